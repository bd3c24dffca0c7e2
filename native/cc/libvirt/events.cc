// Events: libvirt calls these callbacks on its event-loop thread; each copies what it needs into an Event and
// posts it through the connection's ThreadSafeFunction. The JS-side conversion happens in CallJs.
#include <algorithm>

#include "objects.h"

namespace lv {

struct GraphicsAddr {
  int family = 0;
  std::string node, service;
};

struct Event {
  int kind = 0;  // a VIR_DOMAIN_EVENT_ID_*, or -1 for "connection closed"
  double token = 0;
  std::string name, uuid;
  int id = -1;
  int i1 = 0, i2 = 0, i3 = 0;
  long long l = 0;
  unsigned long long u = 0;
  std::string s1, s2, s3, s4;
  GraphicsAddr local, remote;
  std::vector<std::pair<std::string, std::string>> subject;
  Params params;
};

static constexpr int kClosed = -1;

// Opaque data of one registration: the hub, the event kind and the caller's routing token.
struct Registration {
  std::shared_ptr<EventHub> hub;
  int kind;
  double token;
};

static void FreeRegistration(void* opaque) { delete static_cast<Registration*>(opaque); }

static const char* EventName(int kind) {
  switch (kind) {
    case kClosed: return "closed";
    case VIR_DOMAIN_EVENT_ID_LIFECYCLE: return "lifecycle";
    case VIR_DOMAIN_EVENT_ID_REBOOT: return "reboot";
    case VIR_DOMAIN_EVENT_ID_RTC_CHANGE: return "rtc-change";
    case VIR_DOMAIN_EVENT_ID_WATCHDOG: return "watchdog";
    case VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON: return "io-error-reason";
    case VIR_DOMAIN_EVENT_ID_GRAPHICS: return "graphics";
    case VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2: return "block-job-2";
    case VIR_DOMAIN_EVENT_ID_DEVICE_ADDED: return "device-added";
    case VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED: return "device-removed";
    case VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE: return "agent-lifecycle";
    case VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION: return "migration-iteration";
    case VIR_DOMAIN_EVENT_ID_JOB_COMPLETED: return "job-completed";
    case VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE: return "balloon-change";
    default: return "unknown";
  }
}

static Napi::Object Addr(Napi::Env env, const GraphicsAddr& a) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("family", Napi::Number::New(env, a.family));
  o.Set("node", Napi::String::New(env, a.node));
  o.Set("service", Napi::String::New(env, a.service));
  return o;
}

static void CallJs(Napi::Env env, Napi::Function dispatch, Event* ev) {
  std::unique_ptr<Event> owned(ev);
  if (env == nullptr || dispatch.IsEmpty()) return;
  Napi::HandleScope scope(env);
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", Napi::String::New(env, EventName(ev->kind)));
  auto num = [&](const char* k, double v) { o.Set(k, Napi::Number::New(env, v)); };
  auto str = [&](const char* k, const std::string& v) { o.Set(k, Napi::String::New(env, v)); };
  if (ev->kind == kClosed) {
    num("reason", ev->i1);
  } else {
    num("token", ev->token);
    Napi::Object d = Napi::Object::New(env);
    d.Set("name", Napi::String::New(env, ev->name));
    d.Set("uuid", Napi::String::New(env, ev->uuid));
    d.Set("id", Napi::Number::New(env, ev->id));
    o.Set("domain", d);
  }
  switch (ev->kind) {
    case VIR_DOMAIN_EVENT_ID_LIFECYCLE: num("event", ev->i1); num("detail", ev->i2); break;
    case VIR_DOMAIN_EVENT_ID_RTC_CHANGE: num("utcOffset", static_cast<double>(ev->l)); break;
    case VIR_DOMAIN_EVENT_ID_WATCHDOG: num("action", ev->i1); break;
    case VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON:
      str("srcPath", ev->s1); str("devAlias", ev->s2); num("action", ev->i1); str("reason", ev->s3); break;
    case VIR_DOMAIN_EVENT_ID_GRAPHICS: {
      num("phase", ev->i1);
      o.Set("local", Addr(env, ev->local));
      o.Set("remote", Addr(env, ev->remote));
      str("authScheme", ev->s1);
      Napi::Array subj = Napi::Array::New(env, ev->subject.size());
      for (size_t i = 0; i < ev->subject.size(); i++) {
        Napi::Object s = Napi::Object::New(env);
        s.Set("type", Napi::String::New(env, ev->subject[i].first));
        s.Set("name", Napi::String::New(env, ev->subject[i].second));
        subj.Set(static_cast<uint32_t>(i), s);
      }
      o.Set("subject", subj);
      break;
    }
    case VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2: str("disk", ev->s1); num("jobType", ev->i1); num("status", ev->i2); break;
    case VIR_DOMAIN_EVENT_ID_DEVICE_ADDED:
    case VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED: str("devAlias", ev->s1); break;
    case VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE: num("state", ev->i1); num("reason", ev->i2); break;
    case VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION: num("iteration", ev->i1); break;
    case VIR_DOMAIN_EVENT_ID_JOB_COMPLETED: o.Set("params", ParamsToObject(env, ev->params.p, ev->params.n)); break;
    case VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE: num("actual", static_cast<double>(ev->u)); break;
    default: break;
  }
  dispatch.Call({o});
}

void PostEvent(EventHub& hub, Event* ev) {
  std::lock_guard<std::mutex> lock(hub.mu);
  if (!hub.live || hub.tsfn.NonBlockingCall(ev, CallJs) != napi_ok) delete ev;
}

// ---- libvirt callbacks (event-loop thread: no JS here) -------------------------------------------
static Event* NewEvent(virDomainPtr dom, void* opaque) {
  auto* reg = static_cast<Registration*>(opaque);
  auto* ev = new Event();
  ev->kind = reg->kind;
  ev->token = reg->token;
  const char* n = virDomainGetName(dom);
  if (n != nullptr) ev->name = n;
  char uuid[VIR_UUID_STRING_BUFLEN] = {0};
  virDomainGetUUIDString(dom, uuid);
  ev->uuid = uuid;
  unsigned int id = virDomainGetID(dom);
  ev->id = id == static_cast<unsigned int>(-1) ? -1 : static_cast<int>(id);
  return ev;
}

static void Post(void* opaque, Event* ev) { PostEvent(*static_cast<Registration*>(opaque)->hub, ev); }
static std::string S(const char* s) { return s != nullptr ? s : ""; }

static int OnLifecycle(virConnectPtr, virDomainPtr d, int event, int detail, void* op) {
  Event* ev = NewEvent(d, op);
  ev->i1 = event;
  ev->i2 = detail;
  Post(op, ev);
  return 0;
}
static void OnGeneric(virConnectPtr, virDomainPtr d, void* op) { Post(op, NewEvent(d, op)); }
static void OnRtc(virConnectPtr, virDomainPtr d, long long off, void* op) {
  Event* ev = NewEvent(d, op);
  ev->l = off;
  Post(op, ev);
}
static void OnWatchdog(virConnectPtr, virDomainPtr d, int action, void* op) {
  Event* ev = NewEvent(d, op);
  ev->i1 = action;
  Post(op, ev);
}
static void OnIOErrorReason(virConnectPtr, virDomainPtr d, const char* src, const char* alias, int action,
                            const char* reason, void* op) {
  Event* ev = NewEvent(d, op);
  ev->s1 = S(src);
  ev->s2 = S(alias);
  ev->i1 = action;
  ev->s3 = S(reason);
  Post(op, ev);
}
static void OnGraphics(virConnectPtr, virDomainPtr d, int phase, const virDomainEventGraphicsAddress* local,
                       const virDomainEventGraphicsAddress* remote, const char* scheme,
                       const virDomainEventGraphicsSubject* subject, void* op) {
  Event* ev = NewEvent(d, op);
  ev->i1 = phase;
  if (local != nullptr) ev->local = {local->family, S(local->node), S(local->service)};
  if (remote != nullptr) ev->remote = {remote->family, S(remote->node), S(remote->service)};
  ev->s1 = S(scheme);
  if (subject != nullptr)
    for (int i = 0; i < subject->nidentity; i++)
      ev->subject.emplace_back(S(subject->identities[i].type), S(subject->identities[i].name));
  Post(op, ev);
}
static void OnBlockJob(virConnectPtr, virDomainPtr d, const char* disk, int type, int status, void* op) {
  Event* ev = NewEvent(d, op);
  ev->s1 = S(disk);
  ev->i1 = type;
  ev->i2 = status;
  Post(op, ev);
}
static void OnDevice(virConnectPtr, virDomainPtr d, const char* alias, void* op) {
  Event* ev = NewEvent(d, op);
  ev->s1 = S(alias);
  Post(op, ev);
}
static void OnAgent(virConnectPtr, virDomainPtr d, int state, int reason, void* op) {
  Event* ev = NewEvent(d, op);
  ev->i1 = state;
  ev->i2 = reason;
  Post(op, ev);
}
static void OnMigrationIteration(virConnectPtr, virDomainPtr d, int iteration, void* op) {
  Event* ev = NewEvent(d, op);
  ev->i1 = iteration;
  Post(op, ev);
}
static void OnJobCompleted(virConnectPtr, virDomainPtr d, virTypedParameterPtr params, int n, void* op) {
  Event* ev = NewEvent(d, op);
  // libvirt owns `params`; keep a copy.
  for (int i = 0; i < n; i++) {
    const virTypedParameter& p = params[i];
    Params& q = ev->params;
    switch (p.type) {
      case VIR_TYPED_PARAM_INT: virTypedParamsAddInt(&q.p, &q.n, &q.max, p.field, p.value.i); break;
      case VIR_TYPED_PARAM_UINT: virTypedParamsAddUInt(&q.p, &q.n, &q.max, p.field, p.value.ui); break;
      case VIR_TYPED_PARAM_LLONG: virTypedParamsAddLLong(&q.p, &q.n, &q.max, p.field, p.value.l); break;
      case VIR_TYPED_PARAM_ULLONG: virTypedParamsAddULLong(&q.p, &q.n, &q.max, p.field, p.value.ul); break;
      case VIR_TYPED_PARAM_DOUBLE: virTypedParamsAddDouble(&q.p, &q.n, &q.max, p.field, p.value.d); break;
      case VIR_TYPED_PARAM_BOOLEAN: virTypedParamsAddBoolean(&q.p, &q.n, &q.max, p.field, p.value.b); break;
      case VIR_TYPED_PARAM_STRING: virTypedParamsAddString(&q.p, &q.n, &q.max, p.field, p.value.s); break;
      default: break;
    }
  }
  Post(op, ev);
}
static void OnBalloon(virConnectPtr, virDomainPtr d, unsigned long long actual, void* op) {
  Event* ev = NewEvent(d, op);
  ev->u = actual;
  Post(op, ev);
}

void CloseCallback(virConnectPtr, int reason, void* opaque) {
  auto* ev = new Event();
  ev->kind = kClosed;
  ev->i1 = reason;
  PostEvent(**static_cast<std::shared_ptr<EventHub>*>(opaque), ev);
}

static virConnectDomainEventGenericCallback CallbackFor(int kind) {
  switch (kind) {
    case VIR_DOMAIN_EVENT_ID_LIFECYCLE: return VIR_DOMAIN_EVENT_CALLBACK(OnLifecycle);
    case VIR_DOMAIN_EVENT_ID_REBOOT: return VIR_DOMAIN_EVENT_CALLBACK(OnGeneric);
    case VIR_DOMAIN_EVENT_ID_RTC_CHANGE: return VIR_DOMAIN_EVENT_CALLBACK(OnRtc);
    case VIR_DOMAIN_EVENT_ID_WATCHDOG: return VIR_DOMAIN_EVENT_CALLBACK(OnWatchdog);
    case VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON: return VIR_DOMAIN_EVENT_CALLBACK(OnIOErrorReason);
    case VIR_DOMAIN_EVENT_ID_GRAPHICS: return VIR_DOMAIN_EVENT_CALLBACK(OnGraphics);
    case VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2: return VIR_DOMAIN_EVENT_CALLBACK(OnBlockJob);
    case VIR_DOMAIN_EVENT_ID_DEVICE_ADDED: return VIR_DOMAIN_EVENT_CALLBACK(OnDevice);
    case VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED: return VIR_DOMAIN_EVENT_CALLBACK(OnDevice);
    case VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE: return VIR_DOMAIN_EVENT_CALLBACK(OnAgent);
    case VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION: return VIR_DOMAIN_EVENT_CALLBACK(OnMigrationIteration);
    case VIR_DOMAIN_EVENT_ID_JOB_COMPLETED: return VIR_DOMAIN_EVENT_CALLBACK(OnJobCompleted);
    case VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE: return VIR_DOMAIN_EVENT_CALLBACK(OnBalloon);
    default: return nullptr;
  }
}

// ---- JS entry points ----------------------------------------------------------------------------------
// domainEventRegister(eventId, domain: Domain|null, token): Promise<callbackId>. Events carry `token`. While any callback is registered the
// connection keeps Node alive; close() or deregistering the last one lets it exit.
Napi::Value Connection::DomainEventRegister(const Napi::CallbackInfo& info) {
  LV_CONN();
  int kind = 0;
  LV_ARG(a.Int(0, kind, "eventId"));
  virConnectDomainEventGenericCallback cb = CallbackFor(kind);
  if (cb == nullptr) return Reject(env, "unsupported event id " + std::to_string(kind), VIR_ERR_NO_SUPPORT);
  auto dom = std::make_shared<DomainHandle>();
  if (info[1].IsObject()) {
    Napi::Object o = info[1].As<Napi::Object>();
    if (!o.InstanceOf(Data(env)->domainClass.Value())) return Reject(env, "argument 1 (domain) must be a Domain");
    *dom = RefDomain(Domain::Unwrap(o)->ptr());
  } else if (!info[1].IsUndefined() && !info[1].IsNull()) {
    return Reject(env, "argument 1 (domain) must be a Domain or null");
  }
  double token = 0;
  LV_ARG(a.Double(2, token, "token"));
  auto hub = hub_;
  return Run<int>(
      env,
      [conn, dom, kind, cb, hub, token](int& id) {
        auto* reg = new Registration{hub, kind, token};
        id = virConnectDomainEventRegisterAny(conn->get(), dom->get(), kind, cb, reg, FreeRegistration);
        if (id < 0) {
          delete reg;
          return false;
        }
        std::lock_guard<std::mutex> lock(hub->mu);
        hub->callbackIds.push_back(id);
        return true;
      },
      [hub](Napi::Env env, int& id) -> Napi::Value {
        hub->AddListener(env);
        return Napi::Number::New(env, id);
      });
}

Napi::Value Connection::DomainEventDeregister(const Napi::CallbackInfo& info) {
  LV_CONN();
  int id = 0;
  LV_ARG(a.Int(0, id, "callbackId"));
  auto hub = hub_;
  {
    std::lock_guard<std::mutex> lock(hub->mu);
    auto& ids = hub->callbackIds;
    auto it = std::find(ids.begin(), ids.end(), id);
    if (it == ids.end()) return Reject(env, "no event callback with id " + std::to_string(id));
    ids.erase(it);
  }
  return Run<int>(
      env, [conn, id](int& r) { return (r = virConnectDomainEventDeregisterAny(conn->get(), id)) >= 0; },
      [hub](Napi::Env env, int&) -> Napi::Value {
        hub->RemoveListener(env);
        return env.Undefined();
      });
}

void Connection::AddEventMethods(ConnMethods& m) {
  m.push_back(InstanceMethod<&Connection::DomainEventRegister>("domainEventRegister"));
  m.push_back(InstanceMethod<&Connection::DomainEventDeregister>("domainEventDeregister"));
}

}  // namespace lv
