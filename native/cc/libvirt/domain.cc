// Domain: lifecycle, XML, state/info, metadata, devices, block I/O tuning, memory/vCPUs, QEMU agent and guest info.
#include <libvirt/libvirt-qemu.h>

#include "objects.h"

namespace lv {

// The handle being wrapped: set just around the constructor call in Wrap (JS thread only), so that
// `new Domain()` from JS finds nothing and refuses.
static DomainHandle* pendingDomain = nullptr;

Domain::Domain(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Domain>(info) {
  DomainHandle* d = std::exchange(pendingDomain, nullptr);
  if (d == nullptr) {
    Napi::TypeError::New(info.Env(), "Domain objects come from a Connection").ThrowAsJavaScriptException();
    return;
  }
  dom_ = std::move(*d);
}

Napi::Value Domain::Wrap(Napi::Env env, DomainHandle d) {
  pendingDomain = &d;
  Napi::Value v = Data(env)->domainClass.New({});
  pendingDomain = nullptr;
  return v;
}

// Name, UUID and ID are cached in the virDomain object: reading them never leaves the process.
Napi::Value Domain::GetName(const Napi::CallbackInfo& info) {
  const char* n = virDomainGetName(dom_.get());
  return Napi::String::New(info.Env(), n != nullptr ? n : "");
}

Napi::Value Domain::GetUUID(const Napi::CallbackInfo& info) {
  char buf[VIR_UUID_STRING_BUFLEN] = {0};
  virDomainGetUUIDString(dom_.get(), buf);
  return Napi::String::New(info.Env(), buf);
}

Napi::Value Domain::GetID(const Napi::CallbackInfo& info) {
  unsigned int id = virDomainGetID(dom_.get());
  return Napi::Number::New(info.Env(), id == static_cast<unsigned int>(-1) ? -1.0 : static_cast<double>(id));
}

#define LV_FLAGS_ONLY(Method, call)                \
  Napi::Value Domain::Method(const Napi::CallbackInfo& info) { \
    LV_DOM();                                      \
    unsigned int flags = 0;                        \
    LV_ARG(a.UInt(0, flags, "flags"));             \
    virDomainPtr d = dom->get();                   \
    (void)d;                                       \
    LV_DOM_INT_CALL(call);                         \
  }

LV_FLAGS_ONLY(Create, virDomainCreateWithFlags(dom->get(), flags))
LV_FLAGS_ONLY(Destroy, virDomainDestroyFlags(dom->get(), flags))
LV_FLAGS_ONLY(Shutdown, virDomainShutdownFlags(dom->get(), flags))
LV_FLAGS_ONLY(Reboot, virDomainReboot(dom->get(), flags))
LV_FLAGS_ONLY(Undefine, virDomainUndefineFlags(dom->get(), flags))
LV_FLAGS_ONLY(AbortJob, flags == 0 ? virDomainAbortJob(dom->get()) : virDomainAbortJobFlags(dom->get(), flags))

Napi::Value Domain::Suspend(const Napi::CallbackInfo& info) {
  LV_DOM();
  LV_DOM_INT_CALL(virDomainSuspend(dom->get()));
}

Napi::Value Domain::Resume(const Napi::CallbackInfo& info) {
  LV_DOM();
  LV_DOM_INT_CALL(virDomainResume(dom->get()));
}

Napi::Value Domain::IsActive(const Napi::CallbackInfo& info) {
  LV_DOM();
  return Run<int>(env, [dom](int& r) { return (r = virDomainIsActive(dom->get())) >= 0; }, ToBool);
}

Napi::Value Domain::IsPersistent(const Napi::CallbackInfo& info) {
  LV_DOM();
  return Run<int>(env, [dom](int& r) { return (r = virDomainIsPersistent(dom->get())) >= 0; }, ToBool);
}

Napi::Value Domain::GetXMLDesc(const Napi::CallbackInfo& info) {
  LV_DOM();
  unsigned int flags = 0;
  LV_ARG(a.UInt(0, flags, "flags"));
  return Run<std::string>(
      env, [dom, flags](std::string& r) { return TakeString(virDomainGetXMLDesc(dom->get(), flags), r); }, ToString);
}

struct StateReason {
  int state = 0;
  int reason = 0;
};

Napi::Value Domain::GetState(const Napi::CallbackInfo& info) {
  LV_DOM();
  return Run<StateReason>(
      env, [dom](StateReason& r) { return virDomainGetState(dom->get(), &r.state, &r.reason, 0) >= 0; },
      [](Napi::Env env, StateReason& r) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("state", Napi::Number::New(env, r.state));
        o.Set("reason", Napi::Number::New(env, r.reason));
        return o;
      });
}

Napi::Value Domain::GetInfo(const Napi::CallbackInfo& info) {
  LV_DOM();
  return Run<virDomainInfo>(
      env, [dom](virDomainInfo& r) { return virDomainGetInfo(dom->get(), &r) >= 0; },
      [](Napi::Env env, virDomainInfo& r) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("state", Napi::Number::New(env, r.state));
        o.Set("maxMem", U64(env, r.maxMem));
        o.Set("memory", U64(env, r.memory));
        o.Set("nrVirtCpu", Napi::Number::New(env, r.nrVirtCpu));
        o.Set("cpuTime", U64(env, r.cpuTime));
        return o;
      });
}

// getMetadata(type, uri|null, flags)
Napi::Value Domain::GetMetadata(const Napi::CallbackInfo& info) {
  LV_DOM();
  int type = 0;
  std::string uri;
  bool hasUri = false;
  unsigned int flags = 0;
  LV_ARG(a.Int(0, type, "type"));
  LV_ARG(a.OptStr(1, uri, hasUri, "uri"));
  LV_ARG(a.UInt(2, flags, "flags"));
  return Run<std::string>(
      env,
      [dom, type, uri, hasUri, flags](std::string& r) {
        return TakeString(virDomainGetMetadata(dom->get(), type, hasUri ? uri.c_str() : nullptr, flags), r);
      },
      ToString);
}

// setMetadata(type, metadata|null, key|null, uri|null, flags)
Napi::Value Domain::SetMetadata(const Napi::CallbackInfo& info) {
  LV_DOM();
  int type = 0;
  std::string meta, key, uri;
  bool hasMeta = false, hasKey = false, hasUri = false;
  unsigned int flags = 0;
  LV_ARG(a.Int(0, type, "type"));
  LV_ARG(a.OptStr(1, meta, hasMeta, "metadata"));
  LV_ARG(a.OptStr(2, key, hasKey, "key"));
  LV_ARG(a.OptStr(3, uri, hasUri, "uri"));
  LV_ARG(a.UInt(4, flags, "flags"));
  LV_DOM_INT_CALL(virDomainSetMetadata(dom->get(), type, hasMeta ? meta.c_str() : nullptr,
                                       hasKey ? key.c_str() : nullptr, hasUri ? uri.c_str() : nullptr, flags));
}

#define LV_XML_FLAGS(Method, fn)                               \
  Napi::Value Domain::Method(const Napi::CallbackInfo& info) { \
    LV_DOM();                                                  \
    std::string xml;                                           \
    unsigned int flags = 0;                                    \
    LV_ARG(a.Str(0, xml, "xml"));                              \
    LV_ARG(a.UInt(1, flags, "flags"));                         \
    LV_DOM_INT_CALL(fn(dom->get(), xml.c_str(), flags));       \
  }

LV_XML_FLAGS(AttachDevice, virDomainAttachDeviceFlags)
LV_XML_FLAGS(DetachDevice, virDomainDetachDeviceFlags)
LV_XML_FLAGS(UpdateDevice, virDomainUpdateDeviceFlags)

// setMemory(kib, flags): also the balloon target when flags include VIR_DOMAIN_AFFECT_LIVE.
Napi::Value Domain::SetMemory(const Napi::CallbackInfo& info) {
  LV_DOM();
  unsigned long long kib = 0;
  unsigned int flags = 0;
  LV_ARG(a.ULong(0, kib, "kib"));
  LV_ARG(a.UInt(1, flags, "flags"));
  LV_DOM_INT_CALL(virDomainSetMemoryFlags(dom->get(), static_cast<unsigned long>(kib), flags));
}

Napi::Value Domain::SetVcpus(const Napi::CallbackInfo& info) {
  LV_DOM();
  unsigned int n = 0, flags = 0;
  LV_ARG(a.UInt(0, n, "nvcpus"));
  LV_ARG(a.UInt(1, flags, "flags"));
  LV_DOM_INT_CALL(virDomainSetVcpusFlags(dom->get(), n, flags));
}

// setBlockIoTune(disk, params: [name, type, value][], flags): flags VIR_DOMAIN_AFFECT_LIVE/CONFIG.
Napi::Value Domain::SetBlockIoTune(const Napi::CallbackInfo& info) {
  LV_DOM();
  std::string disk;
  auto params = std::make_shared<Params>();
  unsigned int flags = 0;
  LV_ARG(a.Str(0, disk, "disk"));
  LV_ARG(a.TypedParams(1, *params, "params"));
  LV_ARG(a.UInt(2, flags, "flags"));
  LV_DOM_INT_CALL(virDomainSetBlockIoTune(dom->get(), disk.c_str(), params->p, params->n, flags));
}

// getBlockIoTune(disk, flags): libvirt's field names (total_bytes_sec, ..., group_name) as a flat object.
Napi::Value Domain::GetBlockIoTune(const Napi::CallbackInfo& info) {
  LV_DOM();
  std::string disk;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, disk, "disk"));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<Params>(
      env,
      [dom, disk, flags](Params& p) {
        // First call (nparams 0) asks how many parameters this hypervisor has.
        int n = 0;
        if (virDomainGetBlockIoTune(dom->get(), disk.c_str(), nullptr, &n, flags) < 0) return false;
        p.p = static_cast<virTypedParameterPtr>(calloc(n > 0 ? n : 1, sizeof(virTypedParameter)));
        if (p.p == nullptr) return false;
        p.n = n;
        return virDomainGetBlockIoTune(dom->get(), disk.c_str(), p.p, &p.n, flags) >= 0;
      },
      [](Napi::Env env, Params& p) -> Napi::Value { return ParamsToObject(env, p.p, p.n); });
}

// qemuAgentCommand(cmd, timeoutSeconds, flags): raw JSON passthrough to the guest agent.
Napi::Value Domain::QemuAgentCommand(const Napi::CallbackInfo& info) {
  LV_DOM();
  std::string cmd;
  int timeout = 0;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, cmd, "cmd"));
  LV_ARG(a.Int(1, timeout, "timeout", VIR_DOMAIN_QEMU_AGENT_COMMAND_DEFAULT));
  LV_ARG(a.UInt(2, flags, "flags"));
  return Run<std::string>(
      env,
      [dom, cmd, timeout, flags](std::string& r) {
        return TakeString(virDomainQemuAgentCommand(dom->get(), cmd.c_str(), timeout, flags), r);
      },
      ToString);
}

// getGuestInfo(types, flags): typed parameters as a flat object ("hostname", "os.id", "fs.0.name", ...).
Napi::Value Domain::GetGuestInfo(const Napi::CallbackInfo& info) {
  LV_DOM();
  unsigned int types = 0, flags = 0;
  LV_ARG(a.UInt(0, types, "types"));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<Params>(
      env, [dom, types, flags](Params& p) { return virDomainGetGuestInfo(dom->get(), types, &p.p, &p.n, flags) >= 0; },
      [](Napi::Env env, Params& p) -> Napi::Value { return ParamsToObject(env, p.p, p.n); });
}

void Domain::AddCoreMethods(DomainMethods& m) {
  m.push_back(InstanceMethod<&Domain::GetName>("getName"));
  m.push_back(InstanceMethod<&Domain::GetUUID>("getUUID"));
  m.push_back(InstanceMethod<&Domain::GetID>("getID"));
  m.push_back(InstanceMethod<&Domain::Create>("create"));
  m.push_back(InstanceMethod<&Domain::Destroy>("destroy"));
  m.push_back(InstanceMethod<&Domain::Shutdown>("shutdown"));
  m.push_back(InstanceMethod<&Domain::Reboot>("reboot"));
  m.push_back(InstanceMethod<&Domain::Suspend>("suspend"));
  m.push_back(InstanceMethod<&Domain::Resume>("resume"));
  m.push_back(InstanceMethod<&Domain::Undefine>("undefine"));
  m.push_back(InstanceMethod<&Domain::GetXMLDesc>("getXMLDesc"));
  m.push_back(InstanceMethod<&Domain::GetState>("getState"));
  m.push_back(InstanceMethod<&Domain::GetInfo>("getInfo"));
  m.push_back(InstanceMethod<&Domain::GetMetadata>("getMetadata"));
  m.push_back(InstanceMethod<&Domain::SetMetadata>("setMetadata"));
  m.push_back(InstanceMethod<&Domain::AttachDevice>("attachDevice"));
  m.push_back(InstanceMethod<&Domain::DetachDevice>("detachDevice"));
  m.push_back(InstanceMethod<&Domain::UpdateDevice>("updateDevice"));
  m.push_back(InstanceMethod<&Domain::SetMemory>("setMemory"));
  m.push_back(InstanceMethod<&Domain::SetVcpus>("setVcpus"));
  m.push_back(InstanceMethod<&Domain::SetBlockIoTune>("setBlockIoTune"));
  m.push_back(InstanceMethod<&Domain::GetBlockIoTune>("getBlockIoTune"));
  m.push_back(InstanceMethod<&Domain::IsActive>("isActive"));
  m.push_back(InstanceMethod<&Domain::IsPersistent>("isPersistent"));
  m.push_back(InstanceMethod<&Domain::AbortJob>("abortJob"));
  m.push_back(InstanceMethod<&Domain::QemuAgentCommand>("qemuAgentCommand"));
  m.push_back(InstanceMethod<&Domain::GetGuestInfo>("getGuestInfo"));
}

Napi::Function Domain::Init(Napi::Env env) {
  DomainMethods m;
  AddCoreMethods(m);
  AddStatsMethods(m);
  AddMigrationMethods(m);
  AddSnapshotMethods(m);
  return DefineClass(env, "Domain", m);
}

}  // namespace lv
