// Statistics: bulk domain stats (virConnectGetAllDomainStats) as nested records, per-domain block/interface/
// memory stats, block info/resize and job info/stats.
#include <array>
#include <cstring>
#include <unordered_map>

#include "objects.h"

namespace lv {

// ---- Bulk stats ---------------------------------------------------------------------------------------
// Bulk stats are packed on the worker thread and the libvirt records freed off the critical path (a second pool
// task queued once the packed arrays are handed to JS: freeing 1000 domains costs as much as the call), so the
// JS thread only
// copies flat arrays: identity arrays, one Float64Array of values, field indexes into a per-call list of field
// names, and the few string values. The facade (src/libvirt/stats.ts) builds the nested records; plain JS
// object literals cost far less than one N-API property set per value.
struct StatsList {
  virDomainStatsRecordPtr* recs = nullptr;
  int n = 0;
  std::vector<std::string> names;
  std::vector<std::array<char, VIR_UUID_STRING_BUFLEN>> uuids;
  std::vector<double> ids;
  std::vector<uint32_t> counts, keys;
  std::vector<double> nums;
  std::vector<uint8_t> kinds;
  std::vector<std::string> strs, fields;

  ~StatsList() { Release(); }
  void Release() {
    if (recs != nullptr) virDomainStatsRecordListFree(recs);
    recs = nullptr;
  }

  // Worker thread: read identities (libvirt's accessors log and reset errors: not free) and copy values.
  void Pack() {
    names.resize(n);
    uuids.resize(n);
    ids.resize(n);
    counts.resize(n);
    size_t total = 0;
    for (int i = 0; i < n; i++) total += static_cast<size_t>(recs[i]->nparams);
    keys.reserve(total);
    nums.reserve(total);
    kinds.reserve(total);
    std::unordered_map<std::string, uint32_t> fieldIndex;
    for (int i = 0; i < n; i++) {
      virDomainPtr d = recs[i]->dom;
      const char* name = virDomainGetName(d);
      names[i] = name != nullptr ? name : "";
      virDomainGetUUIDString(d, uuids[i].data());
      unsigned int id = virDomainGetID(d);
      ids[i] = id == static_cast<unsigned int>(-1) ? -1.0 : static_cast<double>(id);
      counts[i] = static_cast<uint32_t>(recs[i]->nparams);
      for (int j = 0; j < recs[i]->nparams; j++) {
        const virTypedParameter& p = recs[i]->params[j];
        auto [it, added] = fieldIndex.try_emplace(p.field, static_cast<uint32_t>(fields.size()));
        if (added) fields.emplace_back(p.field);
        keys.push_back(it->second);
        double v = 0;
        uint8_t kind = 0;
        switch (p.type) {
          case VIR_TYPED_PARAM_INT: v = p.value.i; break;
          case VIR_TYPED_PARAM_UINT: v = p.value.ui; break;
          case VIR_TYPED_PARAM_LLONG: v = static_cast<double>(p.value.l); break;
          case VIR_TYPED_PARAM_ULLONG: v = static_cast<double>(p.value.ul); break;
          case VIR_TYPED_PARAM_DOUBLE: v = p.value.d; break;
          case VIR_TYPED_PARAM_BOOLEAN:
            kind = 1;
            v = p.value.b != 0 ? 1 : 0;
            break;
          case VIR_TYPED_PARAM_STRING:
            kind = 2;
            strs.emplace_back(p.value.s != nullptr ? p.value.s : "");
            break;
          default: kind = 3; break;
        }
        nums.push_back(v);
        kinds.push_back(kind);
      }
    }
  }
};

// Frees a record list on the libuv pool.
class FreeRecords : public Napi::AsyncWorker {
 public:
  FreeRecords(Napi::Env env, virDomainStatsRecordPtr* recs) : Napi::AsyncWorker(env, "libvirt-free"), recs_(recs) {}
  ~FreeRecords() override {
    if (recs_ != nullptr) virDomainStatsRecordListFree(recs_);
  }

 protected:
  void Execute() override {
    virDomainStatsRecordListFree(recs_);
    recs_ = nullptr;
  }
  void OnOK() override {}

 private:
  virDomainStatsRecordPtr* recs_;
};

template <typename TA, typename T>
static TA Copy(Napi::Env env, const std::vector<T>& v) {
  TA a = TA::New(env, v.size());
  if (!v.empty()) memcpy(a.Data(), v.data(), v.size() * sizeof(T));
  return a;
}

static Napi::Array StringArray(Napi::Env env, const std::vector<std::string>& v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); i++) a.Set(static_cast<uint32_t>(i), Napi::String::New(env, v[i]));
  return a;
}

static Napi::Value ToPacked(Napi::Env env, StatsList& l) {
  if (l.recs != nullptr) (new FreeRecords(env, std::exchange(l.recs, nullptr)))->Queue();
  Napi::Array uuids = Napi::Array::New(env, l.uuids.size());
  for (size_t i = 0; i < l.uuids.size(); i++)
    uuids.Set(static_cast<uint32_t>(i), Napi::String::New(env, l.uuids[i].data(), VIR_UUID_STRING_BUFLEN - 1));
  Napi::Object o = Napi::Object::New(env);
  o.Set("names", StringArray(env, l.names));
  o.Set("uuids", uuids);
  o.Set("ids", Copy<Napi::Float64Array>(env, l.ids));
  o.Set("counts", Copy<Napi::Uint32Array>(env, l.counts));
  o.Set("fields", StringArray(env, l.fields));
  o.Set("keys", Copy<Napi::Uint32Array>(env, l.keys));
  o.Set("nums", Copy<Napi::Float64Array>(env, l.nums));
  o.Set("kinds", Copy<Napi::Uint8Array>(env, l.kinds));
  o.Set("strs", StringArray(env, l.strs));
  return o;
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
        l.Pack();
        return true;
      },
      ToPacked);
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
        l.Pack();
        return true;
      },
      ToPacked);
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
