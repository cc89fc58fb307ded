// atp/core/usable_cpus.h
#ifndef ATP_CORE_USABLE_CPUS_H_
#define ATP_CORE_USABLE_CPUS_H_

namespace atp {

// The number of CPUs this process may run on, as nproc counts them (taskset and cgroup
// cpusets shrink it), not every CPU of the machine; at least 1.
[[nodiscard]] int UsableCpuCount();

}  // namespace atp

#endif  // ATP_CORE_USABLE_CPUS_H_
