package shm

// memfd_create(2). The syscall package has the number only for the
// architectures of memfd_linux_sysnum.go.
const sysMemfdCreate = 319
