// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. Node's dgram module has no
// AF_UNIX datagram sockets, which is why this lives in the addon.
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace {

// Returns true when sent, false when NOTIFY_SOCKET is unset; throws on a real failure.
Napi::Value Notify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "notify(state: string)").ThrowAsJavaScriptException();
    return env.Null();
  }
  const std::string state = info[0].As<Napi::String>().Utf8Value();
  const char* path = getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') return Napi::Boolean::New(env, false);

  struct sockaddr_un addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  const size_t len = std::strlen(path);
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof(addr.sun_path)) {
    Napi::Error::New(env, "NOTIFY_SOCKET is not a usable unix socket path").ThrowAsJavaScriptException();
    return env.Null();
  }
  std::memcpy(addr.sun_path, path, len);
  if (path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  const socklen_t addr_len = static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + len);

  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    Napi::Error::New(env, std::string("socket: ") + std::strerror(errno)).ThrowAsJavaScriptException();
    return env.Null();
  }
  const ssize_t sent = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                              reinterpret_cast<struct sockaddr*>(&addr), addr_len);
  const int saved = errno;
  close(fd);
  if (sent < 0) {
    Napi::Error::New(env, std::string("sd_notify sendto: ") + std::strerror(saved)).ThrowAsJavaScriptException();
    return env.Null();
  }
  return Napi::Boolean::New(env, true);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("notify", Napi::Function::New(env, Notify, "notify"));
  return exports;
}

}  // namespace

NODE_API_MODULE(sd_notify, Init)
