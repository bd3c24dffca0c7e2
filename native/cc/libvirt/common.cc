// Error capture, argument parsing and typed-parameter conversion.
#include "common.h"

#include <cmath>
#include <cstring>

#include "objects.h"

namespace lv {

static thread_local bool tlHasSaved = false;
static thread_local Error tlSaved;

void SaveLastError() {
  virErrorPtr err = virGetLastError();
  if (err == nullptr) return;
  tlSaved.code = err->code;
  tlSaved.domain = err->domain;
  tlSaved.message = err->message != nullptr ? err->message : "unknown libvirt error";
  tlHasSaved = true;
}

void ClearSavedError() { tlHasSaved = false; }

Error Error::Last(const char* fallback) {
  Error e;
  virErrorPtr err = virGetLastError();
  if (err == nullptr && tlHasSaved) return tlSaved;
  if (err != nullptr) {
    e.code = err->code;
    e.domain = err->domain;
    if (err->message != nullptr) e.message = err->message;
  } else if (fallback != nullptr) {
    e.message = fallback;
  }
  return e;
}

Napi::Value MakeError(Napi::Env env, const Error& e) {
  AddonData* data = Data(env);
  Napi::Value msg = Napi::String::New(env, e.message);
  Napi::Value code = Napi::Number::New(env, e.code);
  Napi::Value dom = Napi::Number::New(env, e.domain);
  if (data != nullptr && !data->errorClass.IsEmpty()) return data->errorClass.New({msg, code, dom});
  Napi::Error err = Napi::Error::New(env, e.message);
  err.Set("code", code);
  err.Set("domain", dom);
  return err.Value();
}

Napi::Value Reject(Napi::Env env, const std::string& msg, int code) {
  auto d = Napi::Promise::Deferred::New(env);
  Error e = Error::Binding(msg);
  e.code = code;
  d.Reject(MakeError(env, e));
  return d.Promise();
}

static bool Fail(Args& a, size_t i, const char* what, const char* expected) {
  a.error = std::string("argument ") + std::to_string(i) + " (" + what + ") must be " + expected;
  return false;
}

bool Args::Str(size_t i, std::string& out, const char* what) {
  Napi::Value v = info[i];
  if (!v.IsString()) return Fail(*this, i, what, "a string");
  out = v.As<Napi::String>().Utf8Value();
  return true;
}

bool Args::OptStr(size_t i, std::string& out, bool& present, const char* what) {
  Napi::Value v = info[i];
  present = false;
  if (v.IsUndefined() || v.IsNull()) return true;
  if (!v.IsString()) return Fail(*this, i, what, "a string or null");
  out = v.As<Napi::String>().Utf8Value();
  present = true;
  return true;
}

static bool NumberArg(Args& a, size_t i, double& d, const char* what, bool optional) {
  Napi::Value v = a.info[i];
  if (optional && v.IsUndefined()) return true;
  if (!v.IsNumber()) return Fail(a, i, what, "a number");
  d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) return Fail(a, i, what, "a finite number");
  return true;
}

bool Args::UInt(size_t i, unsigned int& out, const char* what, unsigned int dflt) {
  double d = dflt;
  if (!NumberArg(*this, i, d, what, true)) return false;
  if (d < 0 || d > 4294967295.0 || std::floor(d) != d) return Fail(*this, i, what, "an unsigned 32-bit integer");
  out = static_cast<unsigned int>(d);
  return true;
}

bool Args::Int(size_t i, int& out, const char* what, int dflt) {
  double d = dflt;
  if (!NumberArg(*this, i, d, what, true)) return false;
  if (d < -2147483648.0 || d > 2147483647.0 || std::floor(d) != d) return Fail(*this, i, what, "a 32-bit integer");
  out = static_cast<int>(d);
  return true;
}

bool Args::ULong(size_t i, unsigned long long& out, const char* what) {
  double d = 0;
  if (!NumberArg(*this, i, d, what, false)) return false;
  if (d < 0 || std::floor(d) != d) return Fail(*this, i, what, "a non-negative integer");
  out = static_cast<unsigned long long>(d);
  return true;
}

bool Args::Double(size_t i, double& out, const char* what) { return NumberArg(*this, i, out, what, false); }

bool Args::Bytes(size_t i, std::vector<unsigned char>& out, const char* what) {
  Napi::Value v = info[i];
  if (v.IsBuffer()) {
    auto b = v.As<Napi::Buffer<unsigned char>>();
    out.assign(b.Data(), b.Data() + b.Length());
    return true;
  }
  if (v.IsString()) {
    std::string s = v.As<Napi::String>().Utf8Value();
    out.assign(s.begin(), s.end());
    return true;
  }
  return Fail(*this, i, what, "a Buffer or string");
}

bool Args::TypedParams(size_t i, Params& out, const char* what) {
  Napi::Value v = info[i];
  if (v.IsUndefined() || v.IsNull()) return true;
  if (!v.IsArray()) return Fail(*this, i, what, "an array of [name, type, value]");
  Napi::Array arr = v.As<Napi::Array>();
  for (uint32_t k = 0; k < arr.Length(); k++) {
    Napi::HandleScope scope(info.Env());
    Napi::Value e = arr.Get(k);
    if (!e.IsArray() || e.As<Napi::Array>().Length() != 3) return Fail(*this, i, what, "an array of [name, type, value]");
    Napi::Array t = e.As<Napi::Array>();
    Napi::Value nv = t.Get(0u), tv = t.Get(1u), vv = t.Get(2u);
    if (!nv.IsString() || !tv.IsString()) return Fail(*this, i, what, "an array of [name, type, value]");
    std::string name = nv.As<Napi::String>().Utf8Value();
    std::string type = tv.As<Napi::String>().Utf8Value();
    int rc = -1;
    if (type == "string") {
      if (!vv.IsString()) return Fail(*this, i, what, "string-typed values as strings");
      rc = virTypedParamsAddString(&out.p, &out.n, &out.max, name.c_str(), vv.As<Napi::String>().Utf8Value().c_str());
    } else if (type == "boolean") {
      if (!vv.IsBoolean()) return Fail(*this, i, what, "boolean-typed values as booleans");
      rc = virTypedParamsAddBoolean(&out.p, &out.n, &out.max, name.c_str(), vv.As<Napi::Boolean>().Value() ? 1 : 0);
    } else {
      if (!vv.IsNumber()) return Fail(*this, i, what, "numeric-typed values as numbers");
      double d = vv.As<Napi::Number>().DoubleValue();
      if (!std::isfinite(d)) return Fail(*this, i, what, "finite numbers");
      const char* n = name.c_str();
      if (type == "int") rc = virTypedParamsAddInt(&out.p, &out.n, &out.max, n, static_cast<int>(d));
      else if (type == "uint") rc = virTypedParamsAddUInt(&out.p, &out.n, &out.max, n, static_cast<unsigned int>(d));
      else if (type == "llong") rc = virTypedParamsAddLLong(&out.p, &out.n, &out.max, n, static_cast<long long>(d));
      else if (type == "ullong")
        rc = virTypedParamsAddULLong(&out.p, &out.n, &out.max, n, static_cast<unsigned long long>(d));
      else if (type == "double") rc = virTypedParamsAddDouble(&out.p, &out.n, &out.max, n, d);
      else return Fail(*this, i, what, "typed with int|uint|llong|ullong|double|boolean|string");
    }
    if (rc < 0) {
      error = Error::Last("cannot add typed parameter").message;
      return false;
    }
  }
  return true;
}

void SetParam(Napi::Env env, Napi::Object obj, const char* key, const virTypedParameter& p) {
  switch (p.type) {
    case VIR_TYPED_PARAM_INT: obj.Set(key, Napi::Number::New(env, p.value.i)); break;
    case VIR_TYPED_PARAM_UINT: obj.Set(key, Napi::Number::New(env, p.value.ui)); break;
    case VIR_TYPED_PARAM_LLONG: obj.Set(key, I64(env, p.value.l)); break;
    case VIR_TYPED_PARAM_ULLONG: obj.Set(key, U64(env, p.value.ul)); break;
    case VIR_TYPED_PARAM_DOUBLE: obj.Set(key, Napi::Number::New(env, p.value.d)); break;
    case VIR_TYPED_PARAM_BOOLEAN: obj.Set(key, Napi::Boolean::New(env, p.value.b != 0)); break;
    case VIR_TYPED_PARAM_STRING:
      obj.Set(key, Napi::String::New(env, p.value.s != nullptr ? p.value.s : ""));
      break;
    default: break;
  }
}

Napi::Object ParamsToObject(Napi::Env env, virTypedParameterPtr p, int n) {
  Napi::Object obj = Napi::Object::New(env);
  for (int i = 0; i < n; i++) SetParam(env, obj, p[i].field, p[i]);
  return obj;
}

}  // namespace lv
