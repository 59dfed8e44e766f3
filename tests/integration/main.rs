//! The one integration test binary: runs the real `cloudhsm-shell` and checks what it prints.
