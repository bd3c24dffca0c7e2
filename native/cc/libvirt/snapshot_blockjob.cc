// Snapshots (by name: create, list, XML, delete, current) and block jobs (commit, pull, copy, info, abort).
#include "objects.h"

namespace lv {

Napi::Value Domain::SnapshotCreateXML(const Napi::CallbackInfo& info) {
  LV_DOM();
  std::string xml;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, xml, "xml"));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<std::string>(
      env,
      [dom, xml, flags](std::string& name) {
        SnapshotHandle s(virDomainSnapshotCreateXML(dom->get(), xml.c_str(), flags));
        if (!s) return false;
        name = S_(virDomainSnapshotGetName(s.get()));
        return true;
      },
      ToString);
}

Napi::Value Domain::ListSnapshots(const Napi::CallbackInfo& info) {
  LV_DOM();
  unsigned int flags = 0;
  LV_ARG(a.UInt(0, flags, "flags"));
  return Run<std::vector<std::string>>(
      env,
      [dom, flags](std::vector<std::string>& out) {
        virDomainSnapshotPtr* snaps = nullptr;
        int n = virDomainListAllSnapshots(dom->get(), &snaps, flags);
        if (n < 0) return false;
        for (int i = 0; i < n; i++) {
          SnapshotHandle s(snaps[i]);
          out.push_back(S_(virDomainSnapshotGetName(s.get())));
        }
        free(snaps);
        return true;
      },
      ToStrings);
}

Napi::Value Domain::SnapshotGetXMLDesc(const Napi::CallbackInfo& info) {
  LV_DOM();
  std::string name;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, name, "name"));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<std::string>(
      env,
      [dom, name, flags](std::string& xml) {
        SnapshotHandle s(virDomainSnapshotLookupByName(dom->get(), name.c_str(), 0));
        return s && TakeString(virDomainSnapshotGetXMLDesc(s.get(), flags), xml);
      },
      ToString);
}

Napi::Value Domain::SnapshotDelete(const Napi::CallbackInfo& info) {
  LV_DOM();
  std::string name;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, name, "name"));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<int>(
      env,
      [dom, name, flags](int& r) {
        SnapshotHandle s(virDomainSnapshotLookupByName(dom->get(), name.c_str(), 0));
        return s && (r = virDomainSnapshotDelete(s.get(), flags)) >= 0;
      },
      ToUndefined);
}

// snapshotCurrent(): the current snapshot's name, or null when there is none.
Napi::Value Domain::SnapshotCurrent(const Napi::CallbackInfo& info) {
  LV_DOM();
  struct Current {
    bool has = false;
    std::string name;
  };
  return Run<Current>(
      env,
      [dom](Current& c) {
        int has = virDomainHasCurrentSnapshot(dom->get(), 0);
        if (has < 0) return false;
        if (has == 0) return true;
        SnapshotHandle s(virDomainSnapshotCurrent(dom->get(), 0));
        if (!s) return false;
        c.has = true;
        c.name = S_(virDomainSnapshotGetName(s.get()));
        return true;
      },
      [](Napi::Env env, Current& c) -> Napi::Value {
        return c.has ? Napi::String::New(env, c.name) : env.Null();
      });
}

// blockCommit(disk, base|null, top|null, bandwidth, flags)
Napi::Value Domain::BlockCommit(const Napi::CallbackInfo& info) {
  LV_DOM();
  std::string disk, base, top;
  bool hasBase = false, hasTop = false;
  unsigned long long bw = 0;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, disk, "disk"));
  LV_ARG(a.OptStr(1, base, hasBase, "base"));
  LV_ARG(a.OptStr(2, top, hasTop, "top"));
  LV_ARG(a.ULong(3, bw, "bandwidth"));
  LV_ARG(a.UInt(4, flags, "flags"));
  LV_DOM_INT_CALL(virDomainBlockCommit(dom->get(), disk.c_str(), hasBase ? base.c_str() : nullptr,
                                       hasTop ? top.c_str() : nullptr, static_cast<unsigned long>(bw), flags));
}

Napi::Value Domain::BlockPull(const Napi::CallbackInfo& info) {
  LV_DOM();
  std::string disk;
  unsigned long long bw = 0;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, disk, "disk"));
  LV_ARG(a.ULong(1, bw, "bandwidth"));
  LV_ARG(a.UInt(2, flags, "flags"));
  LV_DOM_INT_CALL(virDomainBlockPull(dom->get(), disk.c_str(), static_cast<unsigned long>(bw), flags));
}

// blockCopy(disk, destXml, params: [name, type, value][], flags)
Napi::Value Domain::BlockCopy(const Napi::CallbackInfo& info) {
  LV_DOM();
  std::string disk, dest;
  auto params = std::make_shared<Params>();
  unsigned int flags = 0;
  LV_ARG(a.Str(0, disk, "disk"));
  LV_ARG(a.Str(1, dest, "destxml"));
  LV_ARG(a.TypedParams(2, *params, "params"));
  LV_ARG(a.UInt(3, flags, "flags"));
  LV_DOM_INT_CALL(virDomainBlockCopy(dom->get(), disk.c_str(), dest.c_str(), params->p, params->n, flags));
}

struct JobInfo {
  int rc = 0;
  virDomainBlockJobInfo info{};
};

// blockJobInfo(disk, flags): the job, or null when none runs on that disk.
Napi::Value Domain::BlockJobInfo(const Napi::CallbackInfo& info) {
  LV_DOM();
  std::string disk;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, disk, "disk"));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<JobInfo>(
      env, [dom, disk, flags](JobInfo& j) { return (j.rc = virDomainGetBlockJobInfo(dom->get(), disk.c_str(), &j.info, flags)) >= 0; },
      [](Napi::Env env, JobInfo& j) -> Napi::Value {
        if (j.rc == 0) return env.Null();
        Napi::Object o = Napi::Object::New(env);
        o.Set("type", Napi::Number::New(env, j.info.type));
        o.Set("bandwidth", U64(env, j.info.bandwidth));
        o.Set("cur", U64(env, j.info.cur));
        o.Set("end", U64(env, j.info.end));
        return o;
      });
}

Napi::Value Domain::BlockJobAbort(const Napi::CallbackInfo& info) {
  LV_DOM();
  std::string disk;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, disk, "disk"));
  LV_ARG(a.UInt(1, flags, "flags"));
  LV_DOM_INT_CALL(virDomainBlockJobAbort(dom->get(), disk.c_str(), flags));
}

void Domain::AddSnapshotMethods(DomainMethods& m) {
  m.push_back(InstanceMethod<&Domain::SnapshotCreateXML>("snapshotCreateXML"));
  m.push_back(InstanceMethod<&Domain::ListSnapshots>("listSnapshots"));
  m.push_back(InstanceMethod<&Domain::SnapshotGetXMLDesc>("snapshotGetXMLDesc"));
  m.push_back(InstanceMethod<&Domain::SnapshotDelete>("snapshotDelete"));
  m.push_back(InstanceMethod<&Domain::SnapshotCurrent>("snapshotCurrent"));
  m.push_back(InstanceMethod<&Domain::BlockCommit>("blockCommit"));
  m.push_back(InstanceMethod<&Domain::BlockPull>("blockPull"));
  m.push_back(InstanceMethod<&Domain::BlockCopy>("blockCopy"));
  m.push_back(InstanceMethod<&Domain::BlockJobInfo>("blockJobInfo"));
  m.push_back(InstanceMethod<&Domain::BlockJobAbort>("blockJobAbort"));
}

}  // namespace lv
