// Statistics: bulk domain stats (virConnectGetAllDomainStats) as nested records, per-domain block/interface/
// memory stats, block info/resize and job info/stats.
#include <cstring>
#include <unordered_map>

#include "objects.h"

namespace lv {

// ---- Bulk stats ---------------------------------------------------------------------------------------
struct StatsList {
  virDomainStatsRecordPtr* recs = nullptr;
  int n = 0;
  ~StatsList() {
    if (recs != nullptr) virDomainStatsRecordListFree(recs);
  }
};

// How one libvirt field name ("block.0.rd.total.times") maps onto a record: group "block", item 0,
// key "rdTotalTimes". Computed once per distinct field name and cached (JS thread only).
struct FieldPath {
  std::string group;
  int index = -1;  // -1: a property of the group itself
  std::string key;
};

static std::string CamelCase(const char* s) {
  std::string out;
  bool upper = false;
  for (; *s != '\0'; s++) {
    char c = *s;
    if (c == '.' || c == '-' || c == '_') {
      upper = !out.empty();
      continue;
    }
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    upper = false;
    out.push_back(c);
  }
  return out;
}

static const FieldPath& ParseField(const char* field) {
  static std::unordered_map<std::string, FieldPath> cache;
  auto it = cache.find(field);
  if (it != cache.end()) return it->second;
  FieldPath fp;
  const char* dot = strchr(field, '.');
  if (dot == nullptr) {
    fp.group = "other";
    fp.key = CamelCase(field);
  } else {
    fp.group.assign(field, dot - field);
    const char* rest = dot + 1;
    const char* p = rest;
    while (*p >= '0' && *p <= '9') p++;
    if (p != rest && *p == '.') {
      fp.index = atoi(rest);
      fp.key = CamelCase(p + 1);
    } else {
      fp.key = CamelCase(rest);
    }
  }
  return cache.emplace(field, std::move(fp)).first->second;
}

static Napi::Object RecordToObject(Napi::Env env, virDomainStatsRecordPtr rec) {
  Napi::Object o = Napi::Object::New(env);
  const char* name = virDomainGetName(rec->dom);
  char uuid[VIR_UUID_STRING_BUFLEN] = {0};
  virDomainGetUUIDString(rec->dom, uuid);
  unsigned int id = virDomainGetID(rec->dom);
  o.Set("name", Napi::String::New(env, name != nullptr ? name : ""));
  o.Set("uuid", Napi::String::New(env, uuid));
  o.Set("id", Napi::Number::New(env, id == static_cast<unsigned int>(-1) ? -1.0 : static_cast<double>(id)));
  const std::string* curName = nullptr;
  Napi::Object group;
  Napi::Array items;
  int itemIndex = -1;
  Napi::Object item;
  for (int i = 0; i < rec->nparams; i++) {
    const virTypedParameter& p = rec->params[i];
    const FieldPath& fp = ParseField(p.field);
    if (curName == nullptr || *curName != fp.group) {
      curName = &fp.group;
      Napi::Value existing = o.Get(fp.group);
      if (existing.IsObject()) {
        group = existing.As<Napi::Object>();
        Napi::Value it = group.Get("items");
        items = it.IsArray() ? it.As<Napi::Array>() : Napi::Array();
      } else {
        group = Napi::Object::New(env);
        o.Set(fp.group, group);
        items = Napi::Array();
      }
      itemIndex = -1;
    }
    if (fp.index < 0) {
      SetParam(env, group, fp.key.c_str(), p);
      continue;
    }
    if (items.IsEmpty()) {
      items = Napi::Array::New(env);
      group.Set("items", items);
    }
    if (fp.index != itemIndex) {
      Napi::Value existing = items.Get(static_cast<uint32_t>(fp.index));
      if (existing.IsObject()) {
        item = existing.As<Napi::Object>();
      } else {
        item = Napi::Object::New(env);
        items.Set(static_cast<uint32_t>(fp.index), item);
      }
      itemIndex = fp.index;
    }
    SetParam(env, item, fp.key.c_str(), p);
  }
  return o;
}

static Napi::Value ToStatsArray(Napi::Env env, StatsList& l) {
  Napi::Array arr = Napi::Array::New(env, l.n);
  for (int i = 0; i < l.n; i++) {
    Napi::HandleScope scope(env);
    arr.Set(static_cast<uint32_t>(i), RecordToObject(env, l.recs[i]));
  }
  return arr;
}

// getAllDomainStats(stats, flags)
Napi::Value Connection::GetAllDomainStats(const Napi::CallbackInfo& info) {
  LV_CONN();
  unsigned int stats = 0, flags = 0;
  LV_ARG(a.UInt(0, stats, "stats"));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<StatsList>(
      env,
      [conn, stats, flags](StatsList& l) {
        int n = virConnectGetAllDomainStats(conn->get(), stats, &l.recs, flags);
        if (n < 0) return false;
        l.n = n;
        return true;
      },
      ToStatsArray);
}

// domainListGetStats(domains: Domain[], stats, flags)
Napi::Value Connection::DomainListGetStats(const Napi::CallbackInfo& info) {
  LV_CONN();
  if (!info[0].IsArray()) return Reject(env, "argument 0 (domains) must be an array of Domain");
  Napi::Array arr = info[0].As<Napi::Array>();
  auto doms = std::make_shared<std::vector<DomainHandle>>();
  Napi::Function cls = Data(env)->domainClass.Value();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(cls))
      return Reject(env, "argument 0 (domains) must be an array of Domain");
    doms->push_back(RefDomain(Domain::Unwrap(v.As<Napi::Object>())->ptr()));
  }
  unsigned int stats = 0, flags = 0;
  LV_ARG(a.UInt(1, stats, "stats"));
  LV_ARG(a.UInt(2, flags, "flags"));
  return Run<StatsList>(
      env,
      [conn, doms, stats, flags](StatsList& l) {
        std::vector<virDomainPtr> ptrs;
        for (auto& d : *doms) ptrs.push_back(d.get());
        ptrs.push_back(nullptr);
        int n = virDomainListGetStats(ptrs.data(), stats, &l.recs, flags);
        if (n < 0) return false;
        l.n = n;
        return true;
      },
      ToStatsArray);
}

void Connection::AddStatsMethods(ConnMethods& m) {
  m.push_back(InstanceMethod<&Connection::GetAllDomainStats>("getAllDomainStats"));
  m.push_back(InstanceMethod<&Connection::DomainListGetStats>("domainListGetStats"));
}

// ---- Per-domain stats -----------------------------------------------------------------------------------
static Napi::Value ToParams(Napi::Env env, Params& p) { return ParamsToObject(env, p.p, p.n); }

// blockStats(disk, flags): libvirt's field names (rd_operations, rd_bytes, ...).
Napi::Value Domain::BlockStats(const Napi::CallbackInfo& info) {
  LV_DOM();
  std::string disk;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, disk, "disk"));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<Params>(
      env,
      [dom, disk, flags](Params& p) {
        int n = 0;
        if (virDomainBlockStatsFlags(dom->get(), disk.c_str(), nullptr, &n, flags) < 0) return false;
        p.p = static_cast<virTypedParameterPtr>(calloc(n > 0 ? n : 1, sizeof(virTypedParameter)));
        p.n = n;
        if (virDomainBlockStatsFlags(dom->get(), disk.c_str(), p.p, &p.n, flags) < 0) return false;
        return true;
      },
      ToParams);
}

Napi::Value Domain::InterfaceStats(const Napi::CallbackInfo& info) {
  LV_DOM();
  std::string dev;
  LV_ARG(a.Str(0, dev, "device"));
  return Run<virDomainInterfaceStatsStruct>(
      env,
      [dom, dev](virDomainInterfaceStatsStruct& s) {
        return virDomainInterfaceStats(dom->get(), dev.c_str(), &s, sizeof(s)) >= 0;
      },
      [](Napi::Env env, virDomainInterfaceStatsStruct& s) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("rxBytes", I64(env, s.rx_bytes));
        o.Set("rxPackets", I64(env, s.rx_packets));
        o.Set("rxErrs", I64(env, s.rx_errs));
        o.Set("rxDrop", I64(env, s.rx_drop));
        o.Set("txBytes", I64(env, s.tx_bytes));
        o.Set("txPackets", I64(env, s.tx_packets));
        o.Set("txErrs", I64(env, s.tx_errs));
        o.Set("txDrop", I64(env, s.tx_drop));
        return o;
      });
}

using MemStats = std::vector<virDomainMemoryStatStruct>;

Napi::Value Domain::MemoryStats(const Napi::CallbackInfo& info) {
  LV_DOM();
  unsigned int flags = 0;
  LV_ARG(a.UInt(0, flags, "flags"));
  return Run<MemStats>(
      env,
      [dom, flags](MemStats& s) {
        s.resize(VIR_DOMAIN_MEMORY_STAT_NR);
        int n = virDomainMemoryStats(dom->get(), s.data(), VIR_DOMAIN_MEMORY_STAT_NR, flags);
        if (n < 0) return false;
        s.resize(n);
        return true;
      },
      [](Napi::Env env, MemStats& s) -> Napi::Value {
        static const char* names[] = {"swapIn", "swapOut", "majorFault", "minorFault", "unused", "available",
                                      "actualBalloon", "rss", "usable", "lastUpdate", "diskCaches",
                                      "hugetlbPgalloc", "hugetlbPgfail"};
        Napi::Object o = Napi::Object::New(env);
        for (auto& st : s)
          if (st.tag >= 0 && st.tag < static_cast<int>(sizeof(names) / sizeof(names[0])))
            o.Set(names[st.tag], U64(env, st.val));
        return o;
      });
}

Napi::Value Domain::BlockInfo(const Napi::CallbackInfo& info) {
  LV_DOM();
  std::string disk;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, disk, "disk"));
  LV_ARG(a.UInt(1, flags, "flags"));
  return Run<virDomainBlockInfo>(
      env, [dom, disk, flags](virDomainBlockInfo& b) { return virDomainGetBlockInfo(dom->get(), disk.c_str(), &b, flags) >= 0; },
      [](Napi::Env env, virDomainBlockInfo& b) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("capacity", U64(env, b.capacity));
        o.Set("allocation", U64(env, b.allocation));
        o.Set("physical", U64(env, b.physical));
        return o;
      });
}

Napi::Value Domain::BlockResize(const Napi::CallbackInfo& info) {
  LV_DOM();
  std::string disk;
  unsigned long long size = 0;
  unsigned int flags = 0;
  LV_ARG(a.Str(0, disk, "disk"));
  LV_ARG(a.ULong(1, size, "size"));
  LV_ARG(a.UInt(2, flags, "flags"));
  LV_DOM_INT_CALL(virDomainBlockResize(dom->get(), disk.c_str(), size, flags));
}

Napi::Value Domain::GetJobInfo(const Napi::CallbackInfo& info) {
  LV_DOM();
  return Run<virDomainJobInfo>(
      env, [dom](virDomainJobInfo& j) { return virDomainGetJobInfo(dom->get(), &j) >= 0; },
      [](Napi::Env env, virDomainJobInfo& j) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("type", Napi::Number::New(env, j.type));
        o.Set("timeElapsed", U64(env, j.timeElapsed));
        o.Set("timeRemaining", U64(env, j.timeRemaining));
        o.Set("dataTotal", U64(env, j.dataTotal));
        o.Set("dataProcessed", U64(env, j.dataProcessed));
        o.Set("dataRemaining", U64(env, j.dataRemaining));
        o.Set("memTotal", U64(env, j.memTotal));
        o.Set("memProcessed", U64(env, j.memProcessed));
        o.Set("memRemaining", U64(env, j.memRemaining));
        o.Set("fileTotal", U64(env, j.fileTotal));
        o.Set("fileProcessed", U64(env, j.fileProcessed));
        o.Set("fileRemaining", U64(env, j.fileRemaining));
        return o;
      });
}

struct JobStats {
  int type = 0;
  Params params;
};

// getJobStats(flags): {type, params: {time_elapsed, memory_total, ...}} with libvirt's field names.
Napi::Value Domain::GetJobStats(const Napi::CallbackInfo& info) {
  LV_DOM();
  unsigned int flags = 0;
  LV_ARG(a.UInt(0, flags, "flags"));
  return Run<JobStats>(
      env,
      [dom, flags](JobStats& j) {
        return virDomainGetJobStats(dom->get(), &j.type, &j.params.p, &j.params.n, flags) >= 0;
      },
      [](Napi::Env env, JobStats& j) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("type", Napi::Number::New(env, j.type));
        o.Set("params", ParamsToObject(env, j.params.p, j.params.n));
        return o;
      });
}

void Domain::AddStatsMethods(DomainMethods& m) {
  m.push_back(InstanceMethod<&Domain::BlockStats>("blockStats"));
  m.push_back(InstanceMethod<&Domain::InterfaceStats>("interfaceStats"));
  m.push_back(InstanceMethod<&Domain::MemoryStats>("memoryStats"));
  m.push_back(InstanceMethod<&Domain::BlockInfo>("blockInfo"));
  m.push_back(InstanceMethod<&Domain::BlockResize>("blockResize"));
  m.push_back(InstanceMethod<&Domain::GetJobInfo>("getJobInfo"));
  m.push_back(InstanceMethod<&Domain::GetJobStats>("getJobStats"));
}

}  // namespace lv
