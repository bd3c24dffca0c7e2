{
  "targets": [
    {
      "target_name": "sd_notify",
      "sources": ["cc/sd_notify.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"]
    },
    {
      "target_name": "peercred",
      "sources": ["cc/peercred.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"]
    },
    {
      "target_name": "sanlock",
      "sources": ["cc/sanlock.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "<!@(pkg-config --cflags libsanlock)"],
      "libraries": ["-lsanlock"]
    },
    {
      "target_name": "libvirt",
      "product_name": "libvirt",
      "sources": [
        "cc/libvirt/addon.cc",
        "cc/libvirt/common.cc",
        "cc/libvirt/connection.cc",
        "cc/libvirt/domain.cc",
        "cc/libvirt/stats.cc",
        "cc/libvirt/events.cc",
        "cc/libvirt/migration.cc",
        "cc/libvirt/snapshot_blockjob.cc",
        "cc/libvirt/network_secret.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "<!@(pkg-config --cflags libvirt libvirt-qemu)"],
      "libraries": ["<!@(pkg-config --libs libvirt libvirt-qemu)"]
    }
  ]
}
