// atp/core/status_macros.h
//
// The two propagation macros Debian's abseil (20220623) lacks.
#ifndef ATP_CORE_STATUS_MACROS_H_
#define ATP_CORE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ATP_STATUS_CONCAT_INNER_(x, y) x##y
#define ATP_STATUS_CONCAT_(x, y) ATP_STATUS_CONCAT_INNER_(x, y)

// Evaluates `expr` (an absl::Status) and returns it from the enclosing function if not OK.
#define ATP_RETURN_IF_ERROR(expr)                               \
  do {                                                          \
    if (absl::Status atp_status_ = (expr); !atp_status_.ok()) { \
      return atp_status_;                                       \
    }                                                           \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status, otherwise moves the
// value into `lhs`, which may be a declaration (`auto x`) or an existing variable.
#define ATP_ASSIGN_OR_RETURN(lhs, rexpr) \
  ATP_ASSIGN_OR_RETURN_IMPL_(ATP_STATUS_CONCAT_(atp_statusor_, __LINE__), lhs, rexpr)

#define ATP_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                               \
  if (!statusor.ok()) {                                  \
    return std::move(statusor).status();                 \
  }                                                      \
  lhs = std::move(statusor).value()

#endif  // ATP_CORE_STATUS_MACROS_H_
