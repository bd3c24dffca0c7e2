// Migration: migrateToURI3 with typed parameters, downtime/speed tuning and post-copy switch-over.
#include "objects.h"

namespace lv {

// migrateToURI3(dconnuri|null, params: [name, type, value][], flags)
Napi::Value Domain::MigrateToURI3(const Napi::CallbackInfo& info) {
  LV_DOM();
  std::string uri;
  bool hasUri = false;
  auto params = std::make_shared<Params>();
  unsigned int flags = 0;
  LV_ARG(a.OptStr(0, uri, hasUri, "dconnuri"));
  LV_ARG(a.TypedParams(1, *params, "params"));
  LV_ARG(a.UInt(2, flags, "flags"));
  LV_DOM_INT_CALL(
      virDomainMigrateToURI3(dom->get(), hasUri ? uri.c_str() : nullptr, params->p, params->n, flags));
}

Napi::Value Domain::MigrateSetMaxDowntime(const Napi::CallbackInfo& info) {
  LV_DOM();
  unsigned long long ms = 0;
  unsigned int flags = 0;
  LV_ARG(a.ULong(0, ms, "downtimeMs"));
  LV_ARG(a.UInt(1, flags, "flags"));
  LV_DOM_INT_CALL(virDomainMigrateSetMaxDowntime(dom->get(), ms, flags));
}

Napi::Value Domain::MigrateSetMaxSpeed(const Napi::CallbackInfo& info) {
  LV_DOM();
  unsigned long long mibps = 0;
  unsigned int flags = 0;
  LV_ARG(a.ULong(0, mibps, "bandwidthMiBs"));
  LV_ARG(a.UInt(1, flags, "flags"));
  LV_DOM_INT_CALL(virDomainMigrateSetMaxSpeed(dom->get(), static_cast<unsigned long>(mibps), flags));
}

Napi::Value Domain::MigrateGetMaxSpeed(const Napi::CallbackInfo& info) {
  LV_DOM();
  unsigned int flags = 0;
  LV_ARG(a.UInt(0, flags, "flags"));
  return Run<unsigned long long>(
      env,
      [dom, flags](unsigned long long& out) {
        unsigned long bw = 0;
        if (virDomainMigrateGetMaxSpeed(dom->get(), &bw, flags) < 0) return false;
        out = bw;
        return true;
      },
      [](Napi::Env env, unsigned long long& v) { return U64(env, v); });
}

Napi::Value Domain::MigrateStartPostCopy(const Napi::CallbackInfo& info) {
  LV_DOM();
  unsigned int flags = 0;
  LV_ARG(a.UInt(0, flags, "flags"));
  LV_DOM_INT_CALL(virDomainMigrateStartPostCopy(dom->get(), flags));
}

void Domain::AddMigrationMethods(DomainMethods& m) {
  m.push_back(InstanceMethod<&Domain::MigrateToURI3>("migrateToURI3"));
  m.push_back(InstanceMethod<&Domain::MigrateSetMaxDowntime>("migrateSetMaxDowntime"));
  m.push_back(InstanceMethod<&Domain::MigrateSetMaxSpeed>("migrateSetMaxSpeed"));
  m.push_back(InstanceMethod<&Domain::MigrateGetMaxSpeed>("migrateGetMaxSpeed"));
  m.push_back(InstanceMethod<&Domain::MigrateStartPostCopy>("migrateStartPostCopy"));
}

}  // namespace lv
