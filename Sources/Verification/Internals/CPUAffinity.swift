import CProcessSupport

/// The process's CPU affinity, from the C shim (`sched_getaffinity` into a standard 1024-CPU set).
enum CPUAffinity {
    /// CPUs this process may run on, or 0 when the affinity could not be read.
    static func usableCPUs() -> Int { Int(kb_usable_cpus()) }
}
