#include "atp/encode/zeroed_allocations.h"

#include <cstdlib>  // Defines __GLIBC__ with the GNU C library.
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace atp::encode {

bool ZeroNewAllocations() {
#if defined(__GLIBC__)
  // M_PERTURB fills what malloc returns with the complement of the value's low byte (0xff:
  // zeros) and what free takes back with the byte itself.
  return mallopt(M_PERTURB, 0xff) == 1;
#else
  return false;
#endif
}

}  // namespace atp::encode
