// libsanlock binding: the lockspace, lease and on-disk format calls vdsm-ts makes, instead of one `sanlock`
// process per call. Every call talks to the daemon's socket or does direct I/O, so each runs in an AsyncWorker on
// the libuv pool and returns a Promise. One error mode: a failure rejects with an Error carrying sanlock's negative
// result code as `rc` and the call's name as `call`.
//
// libsanlock takes the daemon's run directory from SANLOCK_RUN_DIR at its first connection and keeps it for the
// life of the process, so one process talks to one daemon: pinRunDir() fixes that choice before any call.
#include <napi.h>

// The sanlock headers carry no extern "C" guards of their own.
extern "C" {
#include <sanlock.h>
#include <sanlock_admin.h>
#include <sanlock_direct.h>
#include <sanlock_resource.h>
}

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

constexpr const char* kDefaultRunDir = "/run/sanlock";
std::string pinnedRunDir;  // empty until pinned

// A resource with exactly one disk (vdsm's leases never span more).
struct OneDiskResource {
  sanlk_resource res;
  sanlk_disk disk;
};

struct LockspaceInfo {
  std::string name;
  uint64_t hostId;
  std::string path;
  uint64_t offset;
  uint32_t flags;
};

struct Owner {
  uint64_t hostId;
  uint64_t generation;
  uint64_t timestamp;
};

// What a worker hands back to the main thread; each call fills the part it needs.
struct Outcome {
  int rc = 0;
  std::vector<std::string> strings;
  std::vector<LockspaceInfo> lockspaces;
  std::vector<Owner> owners;
  uint64_t lver = 0;
};

enum class Shape { None, Rc, Strings, Lockspaces, Owners };

Napi::Error SanlockError(Napi::Env env, const std::string& call, int rc, const std::string& detail) {
  std::string message = "sanlock " + call + " failed (rc=" + std::to_string(rc) + ")";
  const char* text = sanlock_strerror(rc);
  if (text != nullptr && *text != '\0') message += ": " + std::string(text);
  if (!detail.empty()) message += ": " + detail;
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("rc", Napi::Number::New(env, rc));
  error.Set("call", Napi::String::New(env, call));
  return error;
}

class Job : public Napi::AsyncWorker {
 public:
  Job(Napi::Env env, std::string call, Shape shape, std::function<void(Outcome&)> work)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), call_(std::move(call)),
        shape_(shape), work_(std::move(work)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override { work_(outcome_); }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    // Rc-shaped calls answer with the code itself (inq_lockspace: 0 held, -ENOENT not held, ...).
    if (outcome_.rc < 0 && shape_ != Shape::Rc) {
      deferred_.Reject(SanlockError(env, call_, outcome_.rc, "").Value());
      return;
    }
    deferred_.Resolve(Convert(env));
  }

 private:
  Napi::Value Convert(Napi::Env env) {
    switch (shape_) {
      case Shape::None:
        return env.Undefined();
      case Shape::Rc:
        return Napi::Number::New(env, outcome_.rc);
      case Shape::Strings: {
        Napi::Array out = Napi::Array::New(env, outcome_.strings.size());
        for (size_t i = 0; i < outcome_.strings.size(); i++) out.Set(i, outcome_.strings[i]);
        return out;
      }
      case Shape::Lockspaces: {
        Napi::Array out = Napi::Array::New(env, outcome_.lockspaces.size());
        for (size_t i = 0; i < outcome_.lockspaces.size(); i++) {
          const LockspaceInfo& ls = outcome_.lockspaces[i];
          Napi::Object o = Napi::Object::New(env);
          o.Set("name", ls.name);
          o.Set("hostId", Napi::Number::New(env, static_cast<double>(ls.hostId)));
          o.Set("path", ls.path);
          o.Set("offset", Napi::Number::New(env, static_cast<double>(ls.offset)));
          o.Set("flags", Napi::Number::New(env, ls.flags));
          out.Set(i, o);
        }
        return out;
      }
      case Shape::Owners: {
        Napi::Object o = Napi::Object::New(env);
        o.Set("lver", Napi::Number::New(env, static_cast<double>(outcome_.lver)));
        Napi::Array owners = Napi::Array::New(env, outcome_.owners.size());
        for (size_t i = 0; i < outcome_.owners.size(); i++) {
          Napi::Object h = Napi::Object::New(env);
          h.Set("hostId", Napi::Number::New(env, static_cast<double>(outcome_.owners[i].hostId)));
          h.Set("generation", Napi::Number::New(env, static_cast<double>(outcome_.owners[i].generation)));
          h.Set("timestamp", Napi::Number::New(env, static_cast<double>(outcome_.owners[i].timestamp)));
          owners.Set(i, h);
        }
        o.Set("owners", owners);
        return o;
      }
    }
    return env.Undefined();
  }

  Napi::Promise::Deferred deferred_;
  std::string call_;
  Shape shape_;
  std::function<void(Outcome&)> work_;
  Outcome outcome_;
};

Napi::Value Rejected(Napi::Env env, const std::string& call, const std::string& detail) {
  Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
  d.Reject(SanlockError(env, call, -EINVAL, detail).Value());
  return d.Promise();
}

// `daemon`: the call reaches the daemon's socket, which the library locates by the pinned run directory.
Napi::Value Queue(Napi::Env env, const std::string& call, Shape shape, std::function<void(Outcome&)> work,
                  bool daemon = true) {
  if (daemon && pinnedRunDir.empty()) return Rejected(env, call, "pinRunDir() was not called");
  Job* job = new Job(env, call, shape, std::move(work));
  Napi::Promise promise = job->Promise();
  job->Queue();
  return promise;
}

// ---- argument parsing: a bad argument rejects the call, it never throws or crashes -----------------------------

bool CopyName(const Napi::Value& v, char (&dst)[SANLK_NAME_LEN], std::string& why, const char* what) {
  if (!v.IsString()) {
    why = std::string(what) + " must be a string";
    return false;
  }
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s.empty() || s.size() > SANLK_NAME_LEN) {
    why = std::string(what) + " must be 1-" + std::to_string(SANLK_NAME_LEN) + " bytes";
    return false;
  }
  std::memset(dst, 0, SANLK_NAME_LEN);
  std::memcpy(dst, s.data(), s.size());
  return true;
}

bool CopyDisk(const Napi::Object& o, sanlk_disk& disk, std::string& why) {
  Napi::Value path = o.Get("path");
  Napi::Value offset = o.Get("offset");
  if (!path.IsString() || !offset.IsNumber()) {
    why = "path (string) and offset (number) are required";
    return false;
  }
  std::string p = path.As<Napi::String>().Utf8Value();
  if (p.empty() || p.size() >= SANLK_PATH_LEN) {
    why = "path must be 1-" + std::to_string(SANLK_PATH_LEN - 1) + " bytes";
    return false;
  }
  double off = offset.As<Napi::Number>().DoubleValue();
  if (off < 0 || off > 9007199254740991.0) {
    why = "offset must be a non-negative integer";
    return false;
  }
  std::memset(&disk, 0, sizeof(disk));
  std::memcpy(disk.path, p.data(), p.size());
  disk.offset = static_cast<uint64_t>(off);
  return true;
}

// { name, hostId, path, offset }
bool ParseLockspace(const Napi::Value& v, sanlk_lockspace& ls, std::string& why) {
  if (!v.IsObject()) {
    why = "lockspace must be an object { name, hostId, path, offset }";
    return false;
  }
  Napi::Object o = v.As<Napi::Object>();
  std::memset(&ls, 0, sizeof(ls));
  if (!CopyName(o.Get("name"), ls.name, why, "name")) return false;
  Napi::Value hostId = o.Get("hostId");
  if (!hostId.IsNumber() || hostId.As<Napi::Number>().Int64Value() < 0) {
    why = "hostId must be a non-negative number";
    return false;
  }
  ls.host_id = static_cast<uint64_t>(hostId.As<Napi::Number>().Int64Value());
  return CopyDisk(o, ls.host_id_disk, why);
}

// { lockspace, name, path, offset }
bool ParseResource(const Napi::Value& v, OneDiskResource& r, std::string& why) {
  if (!v.IsObject()) {
    why = "resource must be an object { lockspace, name, path, offset }";
    return false;
  }
  Napi::Object o = v.As<Napi::Object>();
  std::memset(&r, 0, sizeof(r));
  if (!CopyName(o.Get("lockspace"), r.res.lockspace_name, why, "lockspace")) return false;
  if (!CopyName(o.Get("name"), r.res.name, why, "name")) return false;
  r.res.num_disks = 1;
  return CopyDisk(o, r.disk, why);
}

bool ParseUint(const Napi::Value& v, uint32_t& out) {
  if (!v.IsNumber()) return false;
  int64_t n = v.As<Napi::Number>().Int64Value();
  if (n < 0 || n > 0xffffffffLL) return false;
  out = static_cast<uint32_t>(n);
  return true;
}

bool ParsePid(const Napi::Value& v, int& pid) {
  if (!v.IsNumber()) return false;
  int64_t n = v.As<Napi::Number>().Int64Value();
  if (n <= 0 || n > 0x7fffffffLL) return false;
  pid = static_cast<int>(n);
  return true;
}

// ---- entry points ----------------------------------------------------------------------------------------------

// pinRunDir(wanted?: string) -> the run directory this process's libsanlock uses. The first call decides: with
// `wanted` it sets SANLOCK_RUN_DIR (the library reads it at its first connection), else the environment's value
// or /run/sanlock is kept. Later calls only report the pinned directory.
Napi::Value PinRunDir(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (pinnedRunDir.empty()) {
    if (info.Length() > 0 && info[0].IsString()) {
      std::string wanted = info[0].As<Napi::String>().Utf8Value();
      if (!wanted.empty()) setenv("SANLOCK_RUN_DIR", wanted.c_str(), 1);
    }
    const char* dir = std::getenv("SANLOCK_RUN_DIR");
    pinnedRunDir = dir != nullptr && *dir != '\0' ? dir : kDefaultRunDir;
  }
  return Napi::String::New(env, pinnedRunDir);
}

// addLockspace(lockspace, ioTimeoutSeconds) -> Promise<void>; returns once the host id is held.
Napi::Value AddLockspace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sanlk_lockspace ls;
  std::string why;
  uint32_t ioTimeout = 0;
  if (!ParseLockspace(info[0], ls, why)) return Rejected(env, "add_lockspace", why);
  if (info.Length() > 1 && !ParseUint(info[1], ioTimeout)) return Rejected(env, "add_lockspace", "bad io timeout");
  return Queue(env, "add_lockspace", Shape::None,
               [ls, ioTimeout](Outcome& o) mutable { o.rc = sanlock_add_lockspace_timeout(&ls, 0, ioTimeout); });
}

// inqLockspace(lockspace) -> Promise<number>: 0 held, -ENOENT not held, -EINPROGRESS being added, ...
Napi::Value InqLockspace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sanlk_lockspace ls;
  std::string why;
  if (!ParseLockspace(info[0], ls, why)) return Rejected(env, "inq_lockspace", why);
  return Queue(env, "inq_lockspace", Shape::Rc, [ls](Outcome& o) mutable { o.rc = sanlock_inq_lockspace(&ls, 0); });
}

// remLockspace(lockspace) -> Promise<void>; returns once the host id is released.
Napi::Value RemLockspace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sanlk_lockspace ls;
  std::string why;
  if (!ParseLockspace(info[0], ls, why)) return Rejected(env, "rem_lockspace", why);
  return Queue(env, "rem_lockspace", Shape::None, [ls](Outcome& o) mutable { o.rc = sanlock_rem_lockspace(&ls, 0); });
}

// getLockspaces() -> Promise<{ name, hostId, path, offset, flags }[]>
Napi::Value GetLockspaces(const Napi::CallbackInfo& info) {
  return Queue(info.Env(), "get_lockspaces", Shape::Lockspaces, [](Outcome& o) {
    sanlk_lockspace* lss = nullptr;
    int count = 0;
    o.rc = sanlock_get_lockspaces(&lss, &count, 0);
    if (o.rc == 0 && lss != nullptr) {
      for (int i = 0; i < count; i++) {
        const sanlk_lockspace& ls = lss[i];
        o.lockspaces.push_back({std::string(ls.name, strnlen(ls.name, SANLK_NAME_LEN)), ls.host_id,
                                std::string(ls.host_id_disk.path, strnlen(ls.host_id_disk.path, SANLK_PATH_LEN)),
                                ls.host_id_disk.offset, ls.flags});
      }
    }
    std::free(lss);
  });
}

// acquire(resource, pid) -> Promise<void>: the lease is held for `pid` (a process registered with the daemon).
Napi::Value Acquire(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OneDiskResource r;
  std::string why;
  int pid = 0;
  if (!ParseResource(info[0], r, why)) return Rejected(env, "acquire", why);
  if (!ParsePid(info[1], pid)) return Rejected(env, "acquire", "pid must be a positive integer");
  return Queue(env, "acquire", Shape::None, [r, pid](Outcome& o) mutable {
    sanlk_resource* list[] = {&r.res};
    o.rc = sanlock_acquire(-1, pid, 0, 1, list, nullptr);
  });
}

// release(resource, pid) -> Promise<void>
Napi::Value Release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OneDiskResource r;
  std::string why;
  int pid = 0;
  if (!ParseResource(info[0], r, why)) return Rejected(env, "release", why);
  if (!ParsePid(info[1], pid)) return Rejected(env, "release", "pid must be a positive integer");
  return Queue(env, "release", Shape::None, [r, pid](Outcome& o) mutable {
    sanlk_resource* list[] = {&r.res};
    o.rc = sanlock_release(-1, pid, 0, 1, list);
  });
}

// inquire(pid) -> Promise<string[]>: the leases `pid` holds as `lockspace:name:path:offset:lver`.
Napi::Value Inquire(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int pid = 0;
  if (!ParsePid(info[0], pid)) return Rejected(env, "inquire", "pid must be a positive integer");
  return Queue(env, "inquire", Shape::Strings, [pid](Outcome& o) {
    int count = 0;
    char* state = nullptr;
    o.rc = sanlock_inquire(-1, pid, 0, &count, &state);
    if (o.rc == 0 && state != nullptr) {
      // resources are separated by spaces; colons inside paths are escaped, spaces are not allowed
      std::string all(state);
      size_t start = 0;
      while (start < all.size()) {
        size_t end = all.find(' ', start);
        if (end == std::string::npos) end = all.size();
        if (end > start) o.strings.push_back(all.substr(start, end - start));
        start = end + 1;
      }
    }
    std::free(state);
  });
}

// readResourceOwners(resource) -> Promise<{ lver, owners: { hostId, generation, timestamp }[] }>
Napi::Value ReadResourceOwners(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OneDiskResource r;
  std::string why;
  if (!ParseResource(info[0], r, why)) return Rejected(env, "read_resource_owners", why);
  return Queue(env, "read_resource_owners", Shape::Owners, [r](Outcome& o) mutable {
    sanlk_host* hosts = nullptr;
    int count = 0;
    o.rc = sanlock_read_resource_owners(&r.res, 0, &hosts, &count);
    if (o.rc == 0) {
      o.lver = r.res.lver;
      for (int i = 0; i < count && hosts != nullptr; i++)
        o.owners.push_back({hosts[i].host_id, hosts[i].generation, hosts[i].timestamp});
    }
    std::free(hosts);
  });
}

// writeLockspace(lockspace, ioTimeoutSeconds) -> Promise<void>: formats the delta-lease area by direct I/O (no
// daemon needed), as `sanlock direct init -s` does.
Napi::Value WriteLockspace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sanlk_lockspace ls;
  std::string why;
  uint32_t ioTimeout = 0;
  if (!ParseLockspace(info[0], ls, why)) return Rejected(env, "write_lockspace", why);
  if (info.Length() > 1 && !ParseUint(info[1], ioTimeout)) return Rejected(env, "write_lockspace", "bad io timeout");
  return Queue(env, "write_lockspace", Shape::None, [ls, ioTimeout](Outcome& o) mutable {
    o.rc = sanlock_direct_write_lockspace(&ls, 0, 0, ioTimeout);
  }, false);
}

// writeResource(resource) -> Promise<void>: formats a paxos lease by direct I/O, as `sanlock direct init -r` does.
Napi::Value WriteResource(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OneDiskResource r;
  std::string why;
  if (!ParseResource(info[0], r, why)) return Rejected(env, "write_resource", why);
  return Queue(env, "write_resource", Shape::None,
               [r](Outcome& o) mutable { o.rc = sanlock_direct_write_resource(&r.res, 0, 0, 0); }, false);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("pinRunDir", Napi::Function::New(env, PinRunDir, "pinRunDir"));
  exports.Set("addLockspace", Napi::Function::New(env, AddLockspace, "addLockspace"));
  exports.Set("inqLockspace", Napi::Function::New(env, InqLockspace, "inqLockspace"));
  exports.Set("remLockspace", Napi::Function::New(env, RemLockspace, "remLockspace"));
  exports.Set("getLockspaces", Napi::Function::New(env, GetLockspaces, "getLockspaces"));
  exports.Set("acquire", Napi::Function::New(env, Acquire, "acquire"));
  exports.Set("release", Napi::Function::New(env, Release, "release"));
  exports.Set("inquire", Napi::Function::New(env, Inquire, "inquire"));
  exports.Set("readResourceOwners", Napi::Function::New(env, ReadResourceOwners, "readResourceOwners"));
  exports.Set("writeLockspace", Napi::Function::New(env, WriteLockspace, "writeLockspace"));
  exports.Set("writeResource", Napi::Function::New(env, WriteResource, "writeResource"));
  return exports;
}

}  // namespace

NODE_API_MODULE(sanlock, Init)
