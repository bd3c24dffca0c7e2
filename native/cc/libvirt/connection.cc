// Connection: open/close, liveness, host facts (versions, capabilities, node info and stats, CPU models) and
// domain lookup/definition.
#include <cstring>

#include "objects.h"

namespace lv {

void CloseCallback(virConnectPtr, int reason, void* opaque);  // events.cc

struct OpenResult {
  ConnHandle conn;
  std::shared_ptr<EventHub> hub;
  std::shared_ptr<EventHub>* closeRef = nullptr;  // opaque of the close callback; we free it (freecb is null)
  bool readOnly = false;
  bool claimed = false;
  ~OpenResult() {
    if (claimed) return;
    if (closeRef != nullptr && conn) virConnectUnregisterCloseCallback(conn.get(), CloseCallback);
    delete closeRef;
    if (hub) hub->Shutdown();
  }
};

// A list of domain pointers from libvirt; whatever is not handed to JS is freed here.
struct DomainList {
  virDomainPtr* doms = nullptr;
  int n = 0;
  ~DomainList() {
    for (int i = 0; i < n; i++)
      if (doms[i] != nullptr) virDomainFree(doms[i]);
    free(doms);
  }
};

Napi::Value ToDomainArray(Napi::Env env, DomainList& l) {
  Napi::Array arr = Napi::Array::New(env, l.n);
  for (int i = 0; i < l.n; i++) {
    Napi::HandleScope scope(env);
    arr.Set(static_cast<uint32_t>(i), Domain::Wrap(env, DomainHandle(std::exchange(l.doms[i], nullptr))));
  }
  return arr;
}

static Napi::Value ToDomain(Napi::Env env, DomainHandle& d) { return Domain::Wrap(env, std::move(d)); }

// The result being wrapped: set just around the constructor call in Open's OnOK (JS thread only), so that
// `new Connection()` from JS finds nothing and refuses.
static OpenResult* pendingOpen = nullptr;

Connection::Connection(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Connection>(info) {
  OpenResult* r = std::exchange(pendingOpen, nullptr);
  if (r == nullptr) {
    Napi::TypeError::New(info.Env(), "Connection objects come from open()").ThrowAsJavaScriptException();
    return;
  }
  conn_ = std::move(r->conn);
  hub_ = r->hub;
  closeRef_ = std::exchange(r->closeRef, nullptr);
  readOnly_ = r->readOnly;
  r->claimed = true;
}

// Last resort when a connection is garbage-collected without close(): unhook callbacks, then drop our ref.
Connection::~Connection() {
  if (!conn_) return;
  std::vector<int> ids;
  {
    std::lock_guard<std::mutex> lock(hub_->mu);
    ids.swap(hub_->callbackIds);
  }
  for (int id : ids) virConnectDomainEventDeregisterAny(conn_.get(), id);
  if (closeRef_ != nullptr) virConnectUnregisterCloseCallback(conn_.get(), CloseCallback);
  delete closeRef_;
  hub_->Shutdown();
}

virConnectPtr Connection::Live(const Napi::CallbackInfo& info, Napi::Value& rejected) {
  if (!conn_) {
    rejected = Reject(info.Env(), "the connection is closed", VIR_ERR_INVALID_CONN);
    return nullptr;
  }
  return conn_.get();
}


// open(uri: string|null, flags: number, dispatch: (event) => void): Promise<Connection>
Napi::Value Connection::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args a(info);
  std::string uri;
  bool hasUri = false;
  unsigned int flags = 0;
  LV_ARG(a.OptStr(0, uri, hasUri, "uri"));
  LV_ARG(a.UInt(1, flags, "flags"));
  if (!info[2].IsFunction()) return Reject(env, "argument 2 (dispatch) must be a function");
  auto hub = std::make_shared<EventHub>();
  hub->tsfn = Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(), "libvirt-events", 0, 1);
  hub->tsfn.Unref(env);
  return Run<OpenResult>(
      env,
      [uri, hasUri, flags, hub](OpenResult& r) {
        r.hub = hub;
        r.readOnly = (flags & VIR_CONNECT_RO) != 0;
        r.conn.reset(virConnectOpenAuth(hasUri ? uri.c_str() : nullptr, virConnectAuthPtrDefault, flags));
        if (!r.conn) return false;
        // Not every driver keeps a close callback (and so never calls a free callback): we own the opaque.
        auto* ref = new std::shared_ptr<EventHub>(hub);
        if (virConnectRegisterCloseCallback(r.conn.get(), CloseCallback, ref, nullptr) < 0) {
          delete ref;
          virResetLastError();
        } else {
          r.closeRef = ref;
        }
        return true;
      },
      [](Napi::Env env, OpenResult& r) -> Napi::Value {
        pendingOpen = &r;
        Napi::Value v = Data(env)->connectionClass.New({});
        pendingOpen = nullptr;
        return v;
      });
}

Napi::Value Connection::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!conn_) return Run<int>(env, [](int&) { return true; }, ToUndefined);
  auto conn = std::make_shared<ConnHandle>(std::move(conn_));
  auto hub = hub_;
  auto* closeRef = std::exchange(closeRef_, nullptr);
  return Run<int>(
      env,
      [conn, hub, closeRef](int&) {
        std::vector<int> ids;
        {
          std::lock_guard<std::mutex> lock(hub->mu);
          ids.swap(hub->callbackIds);
        }
        for (int id : ids) virConnectDomainEventDeregisterAny(conn->get(), id);
        if (closeRef != nullptr) virConnectUnregisterCloseCallback(conn->get(), CloseCallback);
        delete closeRef;
        virResetLastError();
        hub->Shutdown();
        return virConnectClose(conn->release()) >= 0;
      },
      ToUndefined);
}

Napi::Value Connection::IsAlive(const Napi::CallbackInfo& info) {
  // virConnectIsAlive only reads local state; no need for a worker.
  return Napi::Boolean::New(info.Env(), conn_ && virConnectIsAlive(conn_.get()) == 1);
}

Napi::Value Connection::IsReadOnly(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), readOnly_); }

Napi::Value Connection::SetKeepAlive(const Napi::CallbackInfo& info) {
  LV_CONN();
  int interval = 0;
  unsigned int count = 0;
  LV_ARG(a.Int(0, interval, "interval"));
  LV_ARG(a.UInt(1, count, "count"));
  return Run<int>(
      env, [conn, interval, count](int& r) { return (r = virConnectSetKeepAlive(conn->get(), interval, count)) >= 0; },
      ToNumber);
}

bool TakeString(char* s, std::string& out) {
  if (s == nullptr) return false;
  CStr owned(s);
  out = owned.str();
  return true;
}

Napi::Value Connection::GetHostname(const Napi::CallbackInfo& info) {
  LV_CONN();
  return Run<std::string>(
      env, [conn](std::string& r) { return TakeString(virConnectGetHostname(conn->get()), r); }, ToString);
}

Napi::Value Connection::GetURI(const Napi::CallbackInfo& info) {
  LV_CONN();
  return Run<std::string>(env, [conn](std::string& r) { return TakeString(virConnectGetURI(conn->get()), r); }, ToString);
}

static Napi::Value ToULong(Napi::Env env, unsigned long& v) { return Napi::Number::New(env, static_cast<double>(v)); }

Napi::Value Connection::GetLibVersion(const Napi::CallbackInfo& info) {
  LV_CONN();
  return Run<unsigned long>(env, [conn](unsigned long& v) { return virConnectGetLibVersion(conn->get(), &v) >= 0; },
                            ToULong);
}

Napi::Value Connection::GetVersion(const Napi::CallbackInfo& info) {
  LV_CONN();
  return Run<unsigned long>(env, [conn](unsigned long& v) { return virConnectGetVersion(conn->get(), &v) >= 0; },
                            ToULong);
}

Napi::Value Connection::GetCapabilities(const Napi::CallbackInfo& info) {
  LV_CONN();
  return Run<std::string>(
      env, [conn](std::string& r) { return TakeString(virConnectGetCapabilities(conn->get()), r); }, ToString);
}

// getDomainCapabilities(emulatorbin?, arch?, machine?, virttype?, flags)
Napi::Value Connection::GetDomainCapabilities(const Napi::CallbackInfo& info) {
  LV_CONN();
  std::string s[4];
  bool has[4];
  const char* names[4] = {"emulatorbin", "arch", "machine", "virttype"};
  for (size_t i = 0; i < 4; i++) LV_ARG(a.OptStr(i, s[i], has[i], names[i]));
  unsigned int flags = 0;
  LV_ARG(a.UInt(4, flags, "flags"));
  std::vector<std::string> v(s, s + 4);
  std::vector<bool> h(has, has + 4);
  return Run<std::string>(
      env,
      [conn, v, h, flags](std::string& r) {
        auto arg = [&](int i) { return h[i] ? v[i].c_str() : nullptr; };
        return TakeString(virConnectGetDomainCapabilities(conn->get(), arg(0), arg(1), arg(2), arg(3), flags), r);
      },
      ToString);
}

Napi::Value Connection::GetNodeInfo(const Napi::CallbackInfo& info) {
  LV_CONN();
  return Run<virNodeInfo>(
      env, [conn](virNodeInfo& r) { return virNodeGetInfo(conn->get(), &r) >= 0; },
      [](Napi::Env env, virNodeInfo& r) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("model", Napi::String::New(env, r.model));
        o.Set("memory", U64(env, r.memory));
        o.Set("cpus", Napi::Number::New(env, r.cpus));
        o.Set("mhz", Napi::Number::New(env, r.mhz));
        o.Set("nodes", Napi::Number::New(env, r.nodes));
        o.Set("sockets", Napi::Number::New(env, r.sockets));
        o.Set("cores", Napi::Number::New(env, r.cores));
        o.Set("threads", Napi::Number::New(env, r.threads));
        return o;
      });
}

using NamedValues = std::vector<std::pair<std::string, unsigned long long>>;
static Napi::Value ToNamedValues(Napi::Env env, NamedValues& v) {
  Napi::Object o = Napi::Object::New(env);
  for (auto& kv : v) o.Set(kv.first, U64(env, kv.second));
  return o;
}

// getNodeCPUStats(cpuNum = VIR_NODE_CPU_STATS_ALL_CPUS, flags)
Napi::Value Connection::GetNodeCPUStats(const Napi::CallbackInfo& info) {
  LV_CONN();
  int cpu = VIR_NODE_CPU_STATS_ALL_CPUS;
  unsigned int flags = 0;
  LV_ARG(a.Int(0, cpu, "cpuNum", VIR_NODE_CPU_STATS_ALL_CPUS));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<NamedValues>(
      env,
      [conn, cpu, flags](NamedValues& out) {
        int n = 0;
        if (virNodeGetCPUStats(conn->get(), cpu, nullptr, &n, flags) < 0) return false;
        std::vector<virNodeCPUStats> s(n);
        if (n > 0 && virNodeGetCPUStats(conn->get(), cpu, s.data(), &n, flags) < 0) return false;
        for (int i = 0; i < n; i++) out.emplace_back(s[i].field, s[i].value);
        return true;
      },
      ToNamedValues);
}

// getNodeMemoryStats(cellNum = VIR_NODE_MEMORY_STATS_ALL_CELLS, flags)
Napi::Value Connection::GetNodeMemoryStats(const Napi::CallbackInfo& info) {
  LV_CONN();
  int cell = VIR_NODE_MEMORY_STATS_ALL_CELLS;
  unsigned int flags = 0;
  LV_ARG(a.Int(0, cell, "cellNum", VIR_NODE_MEMORY_STATS_ALL_CELLS));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<NamedValues>(
      env,
      [conn, cell, flags](NamedValues& out) {
        int n = 0;
        if (virNodeGetMemoryStats(conn->get(), cell, nullptr, &n, flags) < 0) return false;
        std::vector<virNodeMemoryStats> s(n);
        if (n > 0 && virNodeGetMemoryStats(conn->get(), cell, s.data(), &n, flags) < 0) return false;
        for (int i = 0; i < n; i++) out.emplace_back(s[i].field, s[i].value);
        return true;
      },
      ToNamedValues);
}

Napi::Value Connection::GetCPUModelNames(const Napi::CallbackInfo& info) {
  LV_CONN();
  std::string arch;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, arch, "arch"));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<std::vector<std::string>>(
      env,
      [conn, arch, flags](std::vector<std::string>& out) {
        char** models = nullptr;
        int n = virConnectGetCPUModelNames(conn->get(), arch.c_str(), &models, flags);
        if (n < 0) return false;
        for (int i = 0; i < n; i++) {
          out.emplace_back(models[i]);
          free(models[i]);
        }
        free(models);
        return true;
      },
      ToStrings);
}

// baselineCPU(xmlCPUs: string[], flags)
Napi::Value Connection::BaselineCPU(const Napi::CallbackInfo& info) {
  LV_CONN();
  if (!info[0].IsArray()) return Reject(env, "argument 0 (xmlCPUs) must be an array of strings");
  std::vector<std::string> xmls;
  Napi::Array arr = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsString()) return Reject(env, "argument 0 (xmlCPUs) must be an array of strings");
    xmls.push_back(v.As<Napi::String>().Utf8Value());
  }
  unsigned int flags = 0;
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<std::string>(
      env,
      [conn, xmls, flags](std::string& r) {
        std::vector<const char*> p;
        for (auto& x : xmls) p.push_back(x.c_str());
        return TakeString(
            virConnectBaselineCPU(conn->get(), p.data(), static_cast<unsigned int>(p.size()), flags), r);
      },
      ToString);
}

Napi::Value Connection::CompareCPU(const Napi::CallbackInfo& info) {
  LV_CONN();
  std::string xml;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, xml, "xml"));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<int>(
      env,
      [conn, xml, flags](int& r) {
        return (r = virConnectCompareCPU(conn->get(), xml.c_str(), flags)) != VIR_CPU_COMPARE_ERROR;
      },
      ToNumber);
}

Napi::Value Connection::ListAllDomains(const Napi::CallbackInfo& info) {
  LV_CONN();
  unsigned int flags = 0;
  LV_ARG(a.UInt(0, flags, "flags"));
  return Run<DomainList>(
      env,
      [conn, flags](DomainList& l) {
        int n = virConnectListAllDomains(conn->get(), &l.doms, flags);
        if (n < 0) return false;
        l.n = n;
        return true;
      },
      ToDomainArray);
}

Napi::Value Connection::LookupByUUID(const Napi::CallbackInfo& info) {
  LV_CONN();
  std::string uuid;
  LV_ARG(a.Str(0, uuid, "uuid"));
  return Run<DomainHandle>(
      env,
      [conn, uuid](DomainHandle& d) {
        d.reset(virDomainLookupByUUIDString(conn->get(), uuid.c_str()));
        return static_cast<bool>(d);
      },
      ToDomain);
}

Napi::Value Connection::LookupByName(const Napi::CallbackInfo& info) {
  LV_CONN();
  std::string name;
  LV_ARG(a.Str(0, name, "name"));
  return Run<DomainHandle>(
      env,
      [conn, name](DomainHandle& d) {
        d.reset(virDomainLookupByName(conn->get(), name.c_str()));
        return static_cast<bool>(d);
      },
      ToDomain);
}

Napi::Value Connection::LookupByID(const Napi::CallbackInfo& info) {
  LV_CONN();
  int id = 0;
  LV_ARG(a.Int(0, id, "id"));
  return Run<DomainHandle>(
      env,
      [conn, id](DomainHandle& d) {
        d.reset(virDomainLookupByID(conn->get(), id));
        return static_cast<bool>(d);
      },
      ToDomain);
}

Napi::Value Connection::DefineXML(const Napi::CallbackInfo& info) {
  LV_CONN();
  std::string xml;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, xml, "xml"));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<DomainHandle>(
      env,
      [conn, xml, flags](DomainHandle& d) {
        d.reset(virDomainDefineXMLFlags(conn->get(), xml.c_str(), flags));
        return static_cast<bool>(d);
      },
      ToDomain);
}

Napi::Value Connection::CreateXML(const Napi::CallbackInfo& info) {
  LV_CONN();
  std::string xml;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, xml, "xml"));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<DomainHandle>(
      env,
      [conn, xml, flags](DomainHandle& d) {
        d.reset(virDomainCreateXML(conn->get(), xml.c_str(), flags));
        return static_cast<bool>(d);
      },
      ToDomain);
}

void Connection::AddCoreMethods(ConnMethods& m) {
  m.push_back(InstanceMethod<&Connection::Close>("close"));
  m.push_back(InstanceMethod<&Connection::IsAlive>("isAlive"));
  m.push_back(InstanceMethod<&Connection::IsReadOnly>("isReadOnly"));
  m.push_back(InstanceMethod<&Connection::SetKeepAlive>("setKeepAlive"));
  m.push_back(InstanceMethod<&Connection::GetHostname>("getHostname"));
  m.push_back(InstanceMethod<&Connection::GetURI>("getURI"));
  m.push_back(InstanceMethod<&Connection::GetLibVersion>("getLibVersion"));
  m.push_back(InstanceMethod<&Connection::GetVersion>("getVersion"));
  m.push_back(InstanceMethod<&Connection::GetCapabilities>("getCapabilities"));
  m.push_back(InstanceMethod<&Connection::GetDomainCapabilities>("getDomainCapabilities"));
  m.push_back(InstanceMethod<&Connection::GetNodeInfo>("getNodeInfo"));
  m.push_back(InstanceMethod<&Connection::GetNodeCPUStats>("getNodeCPUStats"));
  m.push_back(InstanceMethod<&Connection::GetNodeMemoryStats>("getNodeMemoryStats"));
  m.push_back(InstanceMethod<&Connection::GetCPUModelNames>("getCPUModelNames"));
  m.push_back(InstanceMethod<&Connection::BaselineCPU>("baselineCPU"));
  m.push_back(InstanceMethod<&Connection::CompareCPU>("compareCPU"));
  m.push_back(InstanceMethod<&Connection::ListAllDomains>("listAllDomains"));
  m.push_back(InstanceMethod<&Connection::LookupByUUID>("lookupByUUID"));
  m.push_back(InstanceMethod<&Connection::LookupByName>("lookupByName"));
  m.push_back(InstanceMethod<&Connection::LookupByID>("lookupByID"));
  m.push_back(InstanceMethod<&Connection::DefineXML>("defineXML"));
  m.push_back(InstanceMethod<&Connection::CreateXML>("createXML"));
}

Napi::Function Connection::Init(Napi::Env env) {
  ConnMethods m;
  AddCoreMethods(m);
  AddStatsMethods(m);
  AddEventMethods(m);
  AddNetworkSecretMethods(m);
  return DefineClass(env, "Connection", m);
}

}  // namespace lv
