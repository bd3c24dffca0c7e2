// Module entry: silences libvirt's stderr error printer, starts the default event loop on its own native
// thread, and registers the Connection/Domain classes.
#include <thread>

#include "objects.h"

namespace lv {

static void QuietErrors(void*, virErrorPtr) {}

// libvirt's default event loop runs forever on a detached native thread. It holds no Node handle, so it never
// keeps the process alive; ThreadSafeFunctions carry its callbacks to JS.
static void StartEventLoopOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    virSetErrorFunc(nullptr, QuietErrors);
    virInitialize();
    if (virEventRegisterDefaultImpl() < 0) return;
    std::thread([] {
      for (;;) virEventRunDefaultImpl();
    }).detach();
  });
}

static Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) {
    Napi::TypeError::New(info.Env(), "setErrorClass expects a constructor").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  Data(info.Env())->errorClass = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  StartEventLoopOnce();
  auto* data = new AddonData();
  env.SetInstanceData<AddonData>(data);
  Napi::Function conn = Connection::Init(env);
  Napi::Function dom = Domain::Init(env);
  data->connectionClass = Napi::Persistent(conn);
  data->domainClass = Napi::Persistent(dom);
  exports.Set("Connection", conn);
  exports.Set("Domain", dom);
  exports.Set("open", Napi::Function::New(env, Connection::Open, "open"));
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClass, "setErrorClass"));
  exports.Set("libVersion", Napi::Number::New(env, LIBVIR_VERSION_NUMBER));
  return exports;
}

}  // namespace lv

static Napi::Object InitLibvirt(Napi::Env env, Napi::Object exports) { return lv::Init(env, exports); }

NODE_API_MODULE(libvirt, InitLibvirt)
