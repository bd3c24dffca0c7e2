// Networks and secrets, addressed by name / UUID (each call looks the object up and frees it in the worker).
#include "objects.h"

namespace lv {

struct NetInfo {
  std::string name, uuid;
  bool active = false, persistent = false, autostart = false;
};

Napi::Value Connection::ListNetworks(const Napi::CallbackInfo& info) {
  LV_CONN();
  unsigned int flags = 0;
  LV_ARG(a.UInt(0, flags, "flags"));
  return Run<std::vector<NetInfo>>(
      env,
      [conn, flags](std::vector<NetInfo>& out) {
        virNetworkPtr* nets = nullptr;
        int n = virConnectListAllNetworks(conn->get(), &nets, flags);
        if (n < 0) return false;
        for (int i = 0; i < n; i++) {
          NetworkHandle h(nets[i]);
          NetInfo ni;
          ni.name = S_(virNetworkGetName(h.get()));
          char uuid[VIR_UUID_STRING_BUFLEN] = {0};
          virNetworkGetUUIDString(h.get(), uuid);
          ni.uuid = uuid;
          ni.active = virNetworkIsActive(h.get()) == 1;
          ni.persistent = virNetworkIsPersistent(h.get()) == 1;
          int autostart = 0;
          ni.autostart = virNetworkGetAutostart(h.get(), &autostart) >= 0 && autostart != 0;
          out.push_back(std::move(ni));
        }
        free(nets);
        virResetLastError();
        return true;
      },
      [](Napi::Env env, std::vector<NetInfo>& v) -> Napi::Value {
        Napi::Array arr = Napi::Array::New(env, v.size());
        for (size_t i = 0; i < v.size(); i++) {
          Napi::Object o = Napi::Object::New(env);
          o.Set("name", Napi::String::New(env, v[i].name));
          o.Set("uuid", Napi::String::New(env, v[i].uuid));
          o.Set("active", Napi::Boolean::New(env, v[i].active));
          o.Set("persistent", Napi::Boolean::New(env, v[i].persistent));
          o.Set("autostart", Napi::Boolean::New(env, v[i].autostart));
          arr.Set(static_cast<uint32_t>(i), o);
        }
        return arr;
      });
}

Napi::Value Connection::NetworkDefineXML(const Napi::CallbackInfo& info) {
  LV_CONN();
  std::string xml;
  LV_ARG(a.Str(0, xml, "xml"));
  return Run<std::string>(
      env,
      [conn, xml](std::string& name) {
        NetworkHandle n(virNetworkDefineXML(conn->get(), xml.c_str()));
        if (!n) return false;
        name = S_(virNetworkGetName(n.get()));
        return true;
      },
      ToString);
}

Napi::Value Connection::NetworkCreateXML(const Napi::CallbackInfo& info) {
  LV_CONN();
  std::string xml;
  LV_ARG(a.Str(0, xml, "xml"));
  return Run<std::string>(
      env,
      [conn, xml](std::string& name) {
        NetworkHandle n(virNetworkCreateXML(conn->get(), xml.c_str()));
        if (!n) return false;
        name = S_(virNetworkGetName(n.get()));
        return true;
      },
      ToString);
}

// Runs `op` on the network called args[0].
template <typename Op>
static Napi::Value OnNetwork(const Napi::CallbackInfo& info, std::shared_ptr<ConnHandle> conn, Op op) {
  Args a(info);
  std::string name;
  LV_ARG(a.Str(0, name, "name"));
  return Run<int>(
      info.Env(),
      [conn, name, op](int& r) {
        NetworkHandle n(virNetworkLookupByName(conn->get(), name.c_str()));
        return n && (r = op(n.get())) >= 0;
      },
      ToUndefined);
}

Napi::Value Connection::NetworkCreate(const Napi::CallbackInfo& info) {
  LV_CONN();
  return OnNetwork(info, conn, [](virNetworkPtr n) { return virNetworkCreate(n); });
}

Napi::Value Connection::NetworkDestroy(const Napi::CallbackInfo& info) {
  LV_CONN();
  return OnNetwork(info, conn, [](virNetworkPtr n) { return virNetworkDestroy(n); });
}

Napi::Value Connection::NetworkUndefine(const Napi::CallbackInfo& info) {
  LV_CONN();
  return OnNetwork(info, conn, [](virNetworkPtr n) { return virNetworkUndefine(n); });
}

Napi::Value Connection::NetworkSetAutostart(const Napi::CallbackInfo& info) {
  LV_CONN();
  int on = info[1].ToBoolean().Value() ? 1 : 0;
  return OnNetwork(info, conn, [on](virNetworkPtr n) { return virNetworkSetAutostart(n, on); });
}

Napi::Value Connection::NetworkGetXMLDesc(const Napi::CallbackInfo& info) {
  LV_CONN();
  std::string name;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, name, "name"));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<std::string>(
      env,
      [conn, name, flags](std::string& xml) {
        NetworkHandle n(virNetworkLookupByName(conn->get(), name.c_str()));
        return n && TakeString(virNetworkGetXMLDesc(n.get(), flags), xml);
      },
      ToString);
}

// ---- Secrets ------------------------------------------------------------------------------------------
struct SecretInfo {
  std::string uuid, usageID;
  int usageType = 0;
};

static std::string SecretUUID(virSecretPtr s) {
  char uuid[VIR_UUID_STRING_BUFLEN] = {0};
  virSecretGetUUIDString(s, uuid);
  return uuid;
}

Napi::Value Connection::ListSecrets(const Napi::CallbackInfo& info) {
  LV_CONN();
  unsigned int flags = 0;
  LV_ARG(a.UInt(0, flags, "flags"));
  return Run<std::vector<SecretInfo>>(
      env,
      [conn, flags](std::vector<SecretInfo>& out) {
        virSecretPtr* secrets = nullptr;
        int n = virConnectListAllSecrets(conn->get(), &secrets, flags);
        if (n < 0) return false;
        for (int i = 0; i < n; i++) {
          SecretHandle h(secrets[i]);
          out.push_back({SecretUUID(h.get()), S_(virSecretGetUsageID(h.get())), virSecretGetUsageType(h.get())});
        }
        free(secrets);
        return true;
      },
      [](Napi::Env env, std::vector<SecretInfo>& v) -> Napi::Value {
        Napi::Array arr = Napi::Array::New(env, v.size());
        for (size_t i = 0; i < v.size(); i++) {
          Napi::Object o = Napi::Object::New(env);
          o.Set("uuid", Napi::String::New(env, v[i].uuid));
          o.Set("usageType", Napi::Number::New(env, v[i].usageType));
          o.Set("usageID", Napi::String::New(env, v[i].usageID));
          arr.Set(static_cast<uint32_t>(i), o);
        }
        return arr;
      });
}

Napi::Value Connection::SecretDefineXML(const Napi::CallbackInfo& info) {
  LV_CONN();
  std::string xml;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, xml, "xml"));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<std::string>(
      env,
      [conn, xml, flags](std::string& uuid) {
        SecretHandle s(virSecretDefineXML(conn->get(), xml.c_str(), flags));
        if (!s) return false;
        uuid = SecretUUID(s.get());
        return true;
      },
      ToString);
}

Napi::Value Connection::SecretSetValue(const Napi::CallbackInfo& info) {
  LV_CONN();
  std::string uuid;
  auto value = std::make_shared<std::vector<unsigned char>>();
  LV_ARG(a.Str(0, uuid, "uuid"));
  LV_ARG(a.Bytes(1, *value, "value"));
  return Run<int>(
      env,
      [conn, uuid, value](int& r) {
        SecretHandle s(virSecretLookupByUUIDString(conn->get(), uuid.c_str()));
        return s && (r = virSecretSetValue(s.get(), value->data(), value->size(), 0)) >= 0;
      },
      ToUndefined);
}

Napi::Value Connection::SecretGetValue(const Napi::CallbackInfo& info) {
  LV_CONN();
  std::string uuid;
  LV_ARG(a.Str(0, uuid, "uuid"));
  return Run<std::vector<unsigned char>>(
      env,
      [conn, uuid](std::vector<unsigned char>& out) {
        SecretHandle s(virSecretLookupByUUIDString(conn->get(), uuid.c_str()));
        if (!s) return false;
        size_t n = 0;
        unsigned char* v = virSecretGetValue(s.get(), &n, 0);
        if (v == nullptr) return false;
        out.assign(v, v + n);
        memset(v, 0, n);
        free(v);
        return true;
      },
      [](Napi::Env env, std::vector<unsigned char>& v) -> Napi::Value {
        return Napi::Buffer<unsigned char>::Copy(env, v.data(), v.size());
      });
}

Napi::Value Connection::SecretUndefine(const Napi::CallbackInfo& info) {
  LV_CONN();
  std::string uuid;
  LV_ARG(a.Str(0, uuid, "uuid"));
  return Run<int>(
      env,
      [conn, uuid](int& r) {
        SecretHandle s(virSecretLookupByUUIDString(conn->get(), uuid.c_str()));
        return s && (r = virSecretUndefine(s.get())) >= 0;
      },
      ToUndefined);
}

Napi::Value Connection::SecretGetXMLDesc(const Napi::CallbackInfo& info) {
  LV_CONN();
  std::string uuid;
  LV_ARG(a.Str(0, uuid, "uuid"));
  return Run<std::string>(
      env,
      [conn, uuid](std::string& xml) {
        SecretHandle s(virSecretLookupByUUIDString(conn->get(), uuid.c_str()));
        return s && TakeString(virSecretGetXMLDesc(s.get(), 0), xml);
      },
      ToString);
}

// secretLookupByUsage(usageType, usageID): the secret's UUID.
Napi::Value Connection::SecretLookupByUsage(const Napi::CallbackInfo& info) {
  LV_CONN();
  int type = 0;
  std::string id;
  LV_ARG(a.Int(0, type, "usageType"));
  LV_ARG(a.Str(1, id, "usageID"));
  return Run<std::string>(
      env,
      [conn, type, id](std::string& uuid) {
        SecretHandle s(virSecretLookupByUsage(conn->get(), type, id.c_str()));
        if (!s) return false;
        uuid = SecretUUID(s.get());
        return true;
      },
      ToString);
}

void Connection::AddNetworkSecretMethods(ConnMethods& m) {
  m.push_back(InstanceMethod<&Connection::ListNetworks>("listNetworks"));
  m.push_back(InstanceMethod<&Connection::NetworkDefineXML>("networkDefineXML"));
  m.push_back(InstanceMethod<&Connection::NetworkCreateXML>("networkCreateXML"));
  m.push_back(InstanceMethod<&Connection::NetworkCreate>("networkCreate"));
  m.push_back(InstanceMethod<&Connection::NetworkDestroy>("networkDestroy"));
  m.push_back(InstanceMethod<&Connection::NetworkUndefine>("networkUndefine"));
  m.push_back(InstanceMethod<&Connection::NetworkSetAutostart>("networkSetAutostart"));
  m.push_back(InstanceMethod<&Connection::NetworkGetXMLDesc>("networkGetXMLDesc"));
  m.push_back(InstanceMethod<&Connection::ListSecrets>("listSecrets"));
  m.push_back(InstanceMethod<&Connection::SecretDefineXML>("secretDefineXML"));
  m.push_back(InstanceMethod<&Connection::SecretSetValue>("secretSetValue"));
  m.push_back(InstanceMethod<&Connection::SecretGetValue>("secretGetValue"));
  m.push_back(InstanceMethod<&Connection::SecretUndefine>("secretUndefine"));
  m.push_back(InstanceMethod<&Connection::SecretGetXMLDesc>("secretGetXMLDesc"));
  m.push_back(InstanceMethod<&Connection::SecretLookupByUsage>("secretLookupByUsage"));
}

}  // namespace lv
