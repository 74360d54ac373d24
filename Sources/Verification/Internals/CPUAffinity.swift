import CProcessSupport
import Glibc

/// The process's CPU affinity, from the C shim (`sched_getaffinity` into a standard 1024-CPU set).
enum CPUAffinity {
    /// CPUs this process may run on, or 0 when the affinity could not be read.
    static func usableCPUs() -> Int { Int(kb_usable_cpus()) }

    /// CPUs online, whatever the affinity (`sysconf`), or 0 when unknown.
    static func onlineCPUs() -> Int { max(0, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
