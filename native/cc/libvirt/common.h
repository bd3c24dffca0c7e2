// Shared helpers for the libvirt binding: RAII handles, error capture, the async job template and
// typed-parameter conversion. One error mode: every failure rejects a Promise with a LibvirtError.
#pragma once

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <napi.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lv {

// A libvirt error captured before an object free reset it (see Handle::reset); consulted by Error::Last.
void SaveLastError();
void ClearSavedError();

// ---- RAII ownership: every libvirt object is freed exactly once ----------------------------------
template <typename T, int (*Free)(T)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(T p) : p_(p) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  ~Handle() { reset(); }
  // Freeing runs a public libvirt API, which resets the thread's last error: keep a pending error intact.
  void reset(T p = nullptr) {
    if (p_ != nullptr) {
      if (virGetLastError() == nullptr) {
        Free(p_);
      } else {
        SaveLastError();
        Free(p_);
      }
    }
    p_ = p;
  }
  T get() const { return p_; }
  T release() { return std::exchange(p_, nullptr); }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  T p_ = nullptr;
};

using ConnHandle = Handle<virConnectPtr, virConnectClose>;
using DomainHandle = Handle<virDomainPtr, virDomainFree>;
using NetworkHandle = Handle<virNetworkPtr, virNetworkFree>;
using SecretHandle = Handle<virSecretPtr, virSecretFree>;
using SnapshotHandle = Handle<virDomainSnapshotPtr, virDomainSnapshotFree>;

// Takes a new reference (for workers that must outlive a JS object's close/free).
inline ConnHandle RefConn(virConnectPtr c) {
  if (c != nullptr) virConnectRef(c);
  return ConnHandle(c);
}
inline DomainHandle RefDomain(virDomainPtr d) {
  if (d != nullptr) virDomainRef(d);
  return DomainHandle(d);
}

// A malloc'ed C string owned by us (libvirt returns char* to be free()d).
struct CStr {
  char* p = nullptr;
  CStr() = default;
  explicit CStr(char* s) : p(s) {}
  CStr(const CStr&) = delete;
  CStr& operator=(const CStr&) = delete;
  ~CStr() { free(p); }
  std::string str() const { return p == nullptr ? std::string() : std::string(p); }
};

// Typed parameters owned by us.
struct Params {
  virTypedParameterPtr p = nullptr;
  int n = 0;
  int max = 0;
  Params() = default;
  Params(const Params&) = delete;
  Params& operator=(const Params&) = delete;
  Params(Params&& o) noexcept : p(std::exchange(o.p, nullptr)), n(std::exchange(o.n, 0)), max(std::exchange(o.max, 0)) {}
  ~Params() {
    if (p != nullptr) virTypedParamsFree(p, n);
  }
};

// ---- Errors -----------------------------------------------------------------------------------------
struct Error {
  int code = VIR_ERR_INTERNAL_ERROR;
  int domain = VIR_FROM_NONE;
  std::string message = "unknown libvirt error";
  // Captures this thread's last libvirt error (libvirt keeps it per thread).
  static Error Last(const char* fallback = nullptr);
  static Error Binding(const std::string& msg) {
    Error e;
    e.code = VIR_ERR_INVALID_ARG;
    e.domain = VIR_FROM_NONE;
    e.message = msg;
    return e;
  }
};

// Builds a LibvirtError instance (the JS class registered at load time).
Napi::Value MakeError(Napi::Env env, const Error& e);
// A promise already rejected with a binding-side error (bad arguments: VIR_ERR_INVALID_ARG, or the given code).
Napi::Value Reject(Napi::Env env, const std::string& msg, int code = VIR_ERR_INVALID_ARG);

// Boilerplate for entry points: argument checks reject the returned promise instead of throwing.
#define LV_ARG(expr) \
  if (!(expr)) return ::lv::Reject(info.Env(), a.error)

// ---- Async jobs -----------------------------------------------------------------------------------
// Execute() runs `work` on a libuv thread and touches no JS values; OnOK runs `convert` on the JS thread.
template <typename R>
class Job : public Napi::AsyncWorker {
 public:
  using Work = std::function<bool(R&)>;
  using Convert = std::function<Napi::Value(Napi::Env, R&)>;
  Job(Napi::Env env, Work work, Convert convert)
      : Napi::AsyncWorker(env, "libvirt"), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)),
        convert_(std::move(convert)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    virResetLastError();
    ClearSavedError();
    if (!work_(result_)) {
      err_ = Error::Last();
      SetError(err_.message);
    }
  }
  void OnOK() override {
    Napi::HandleScope scope(Env());
    deferred_.Resolve(convert_(Env(), result_));
  }
  void OnError(const Napi::Error&) override {
    Napi::HandleScope scope(Env());
    deferred_.Reject(MakeError(Env(), err_));
  }

 private:
  Napi::Promise::Deferred deferred_;
  Work work_;
  Convert convert_;
  R result_{};
  Error err_;
};

template <typename R>
Napi::Value Run(Napi::Env env, typename Job<R>::Work work, typename Job<R>::Convert convert) {
  auto* job = new Job<R>(env, std::move(work), std::move(convert));
  Napi::Promise p = job->Promise();
  job->Queue();
  return p;
}

// Common conversions for Run results.
inline Napi::Value ToUndefined(Napi::Env env, int&) { return env.Undefined(); }
inline Napi::Value ToNumber(Napi::Env env, int& v) { return Napi::Number::New(env, v); }
inline Napi::Value ToBool(Napi::Env env, int& v) { return Napi::Boolean::New(env, v != 0); }
inline Napi::Value ToString(Napi::Env env, std::string& s) { return Napi::String::New(env, s); }
inline Napi::Value ToStrings(Napi::Env env, std::vector<std::string>& v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); i++) a.Set(static_cast<uint32_t>(i), Napi::String::New(env, v[i]));
  return a;
}

// ---- Argument parsing (JS thread) -------------------------------------------------------------------
// Each returns false and leaves a message when the argument has the wrong type.
struct Args {
  const Napi::CallbackInfo& info;
  std::string error;
  explicit Args(const Napi::CallbackInfo& i) : info(i) {}
  bool Str(size_t i, std::string& out, const char* what);
  bool OptStr(size_t i, std::string& out, bool& present, const char* what);
  bool UInt(size_t i, unsigned int& out, const char* what, unsigned int dflt = 0);
  bool Int(size_t i, int& out, const char* what, int dflt = 0);
  bool ULong(size_t i, unsigned long long& out, const char* what);
  bool Double(size_t i, double& out, const char* what);
  bool Bytes(size_t i, std::vector<unsigned char>& out, const char* what);
  // [[name, type, value], ...] where type is 'int'|'uint'|'llong'|'ullong'|'double'|'boolean'|'string'.
  bool TypedParams(size_t i, Params& out, const char* what);
};

// Typed parameters -> plain JS object (name -> number|string|boolean).
Napi::Object ParamsToObject(Napi::Env env, virTypedParameterPtr p, int n);
// The same, into an existing object, converting dotted names with a prefix stripped.
void SetParam(Napi::Env env, Napi::Object obj, const char* key, const virTypedParameter& p);

// Number from an unsigned long long (exact up to 2^53).
inline Napi::Value U64(Napi::Env env, unsigned long long v) { return Napi::Number::New(env, static_cast<double>(v)); }
inline Napi::Value I64(Napi::Env env, long long v) { return Napi::Number::New(env, static_cast<double>(v)); }

// ---- Area registration ------------------------------------------------------------------------------
class Connection;
class Domain;
using ConnMethods = std::vector<Napi::ClassPropertyDescriptor<Connection>>;
using DomainMethods = std::vector<Napi::ClassPropertyDescriptor<Domain>>;

}  // namespace lv
