// The two wrapped handle classes (Connection, Domain) and the per-connection event hub.
#pragma once

#include <mutex>

#include "common.h"

namespace lv {

// One per connection: the single ThreadSafeFunction events travel through. Native threads (libvirt's event
// loop) call Post(); Shutdown() is the last call made on the TSFN.
struct EventHub {
  std::mutex mu;
  bool live = true;
  int listeners = 0;  // JS-thread only: the TSFN keeps Node alive while > 0
  Napi::ThreadSafeFunction tsfn;
  std::vector<int> callbackIds;  // registered domain event callbacks (JS thread adds, close removes)
  std::vector<int> networkCallbackIds;

  void Shutdown() {
    std::lock_guard<std::mutex> lock(mu);
    if (!live) return;
    live = false;
    tsfn.Release();
  }
  void AddListener(Napi::Env env) {
    std::lock_guard<std::mutex> lock(mu);
    if (live && listeners++ == 0) tsfn.Ref(env);
  }
  void RemoveListener(Napi::Env env) {
    std::lock_guard<std::mutex> lock(mu);
    if (live && listeners > 0 && --listeners == 0) tsfn.Unref(env);
  }
};

struct Event;  // events.cc
void PostEvent(EventHub& hub, Event* ev);

class Connection : public Napi::ObjectWrap<Connection> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Connection(const Napi::CallbackInfo& info);
  ~Connection() override;
  static Napi::Value Open(const Napi::CallbackInfo& info);

  // Returns the live connection or nullptr after leaving a rejected promise in `rejected`.
  virConnectPtr Live(const Napi::CallbackInfo& info, Napi::Value& rejected);
  std::shared_ptr<EventHub> hub() const { return hub_; }

  // Area registrations (each area file adds its methods).
  static void AddCoreMethods(ConnMethods& m);
  static void AddStatsMethods(ConnMethods& m);
  static void AddEventMethods(ConnMethods& m);
  static void AddNetworkSecretMethods(ConnMethods& m);

#define LV_DECL(name) Napi::Value name(const Napi::CallbackInfo& info);
  // connection.cc
  LV_DECL(Close) LV_DECL(IsAlive) LV_DECL(IsReadOnly) LV_DECL(SetKeepAlive) LV_DECL(GetHostname)
  LV_DECL(GetLibVersion) LV_DECL(GetVersion) LV_DECL(GetCapabilities) LV_DECL(GetDomainCapabilities)
  LV_DECL(GetNodeInfo) LV_DECL(GetNodeCPUStats) LV_DECL(GetNodeMemoryStats) LV_DECL(GetCPUModelNames)
  LV_DECL(BaselineCPU) LV_DECL(CompareCPU) LV_DECL(ListAllDomains) LV_DECL(LookupByUUID) LV_DECL(LookupByName)
  LV_DECL(LookupByID) LV_DECL(DefineXML) LV_DECL(CreateXML) LV_DECL(GetURI)
  // stats.cc
  LV_DECL(GetAllDomainStats) LV_DECL(DomainListGetStats)
  // events.cc
  LV_DECL(DomainEventRegister) LV_DECL(DomainEventDeregister)
  // network_secret.cc
  LV_DECL(ListNetworks) LV_DECL(NetworkDefineXML) LV_DECL(NetworkCreateXML) LV_DECL(NetworkCreate)
  LV_DECL(NetworkDestroy) LV_DECL(NetworkUndefine) LV_DECL(NetworkGetXMLDesc) LV_DECL(NetworkSetAutostart)
  LV_DECL(ListSecrets) LV_DECL(SecretDefineXML) LV_DECL(SecretSetValue) LV_DECL(SecretGetValue)
  LV_DECL(SecretUndefine) LV_DECL(SecretLookupByUsage) LV_DECL(SecretGetXMLDesc)

 private:
  friend struct OpenResult;
  ConnHandle conn_;
  std::shared_ptr<EventHub> hub_;
  std::shared_ptr<EventHub>* closeRef_ = nullptr;
  bool readOnly_ = false;
};

class Domain : public Napi::ObjectWrap<Domain> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Domain(const Napi::CallbackInfo& info);
  // Wraps (and takes ownership of) a domain reference.
  static Napi::Value Wrap(Napi::Env env, DomainHandle d);
  virDomainPtr ptr() const { return dom_.get(); }

  static void AddCoreMethods(DomainMethods& m);
  static void AddStatsMethods(DomainMethods& m);
  static void AddMigrationMethods(DomainMethods& m);
  static void AddSnapshotMethods(DomainMethods& m);

  // domain.cc
  LV_DECL(GetName) LV_DECL(GetUUID) LV_DECL(GetID) LV_DECL(Create) LV_DECL(Destroy) LV_DECL(Shutdown)
  LV_DECL(Reboot) LV_DECL(Suspend) LV_DECL(Resume) LV_DECL(Undefine) LV_DECL(GetXMLDesc) LV_DECL(GetState)
  LV_DECL(GetInfo) LV_DECL(GetMetadata) LV_DECL(SetMetadata) LV_DECL(AttachDevice) LV_DECL(DetachDevice)
  LV_DECL(UpdateDevice) LV_DECL(SetMemory) LV_DECL(SetVcpus) LV_DECL(IsActive) LV_DECL(IsPersistent)
  LV_DECL(QemuAgentCommand) LV_DECL(GetGuestInfo) LV_DECL(SetBlockIoTune) LV_DECL(GetBlockIoTune)
  // stats.cc
  LV_DECL(BlockStats) LV_DECL(InterfaceStats) LV_DECL(MemoryStats) LV_DECL(BlockInfo) LV_DECL(BlockResize)
  LV_DECL(GetJobInfo) LV_DECL(GetJobStats) LV_DECL(AbortJob)
  // migration.cc
  LV_DECL(MigrateToURI3) LV_DECL(MigrateSetMaxDowntime) LV_DECL(MigrateSetMaxSpeed) LV_DECL(MigrateGetMaxSpeed)
  LV_DECL(MigrateStartPostCopy)
  // snapshot_blockjob.cc
  LV_DECL(SnapshotCreateXML) LV_DECL(ListSnapshots) LV_DECL(SnapshotGetXMLDesc) LV_DECL(SnapshotDelete)
  LV_DECL(SnapshotCurrent) LV_DECL(BlockCommit) LV_DECL(BlockPull) LV_DECL(BlockCopy) LV_DECL(BlockJobInfo)
  LV_DECL(BlockJobAbort)
#undef LV_DECL

 private:
  DomainHandle dom_;
};

// Entry-point preludes: `env`, a shared reference to the handle for the worker, and `a` for argument checks.
#define LV_CONN()                                          \
  Napi::Env env = info.Env();                              \
  Napi::Value rejected_;                                   \
  virConnectPtr raw_ = Live(info, rejected_);              \
  if (raw_ == nullptr) return rejected_;                   \
  auto conn = std::make_shared<ConnHandle>(RefConn(raw_)); \
  Args a(info);                                            \
  (void)a;                                                 \
  (void)env

#define LV_DOM()                                                  \
  Napi::Env env = info.Env();                                     \
  auto dom = std::make_shared<DomainHandle>(RefDomain(dom_.get())); \
  Args a(info);                                                   \
  (void)a

// Simple "call returning int >= 0" entry points.
#define LV_DOM_INT_CALL(expr) \
  return Run<int>(env, [=](int& r) { return (r = (expr)) >= 0; }, ToNumber)

bool TakeString(char* s, std::string& out);
inline std::string S_(const char* s) { return s != nullptr ? std::string(s) : std::string(); }

// Per-addon state (env instance data).
struct AddonData {
  Napi::FunctionReference errorClass;
  Napi::FunctionReference connectionClass;
  Napi::FunctionReference domainClass;
};
inline AddonData* Data(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

}  // namespace lv
