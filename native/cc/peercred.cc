// SO_PEERCRED for a connected AF_UNIX stream socket. Node exposes no getsockopt, and supervdsmd must know
// who is on the other end of every connection before it answers.
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>

namespace {

// peerCred(fd: number) -> { pid, uid, gid }; throws with the errno text when getsockopt fails.
Napi::Value PeerCred(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "peerCred(fd: number)").ThrowAsJavaScriptException();
    return env.Null();
  }
  const int fd = info[0].As<Napi::Number>().Int32Value();
  struct ucred cred;
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    Napi::Error::New(env, std::string("getsockopt(SO_PEERCRED): ") + std::strerror(errno))
        .ThrowAsJavaScriptException();
    return env.Null();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, cred.pid));
  out.Set("uid", Napi::Number::New(env, cred.uid));
  out.Set("gid", Napi::Number::New(env, cred.gid));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("peerCred", Napi::Function::New(env, PeerCred, "peerCred"));
  return exports;
}

}  // namespace

NODE_API_MODULE(peercred, Init)
