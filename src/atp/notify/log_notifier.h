// atp/notify/log_notifier.h
//
// Writes each notification as one line to a stream (stderr by default): "notify <event id>
// <body>". Always delivered.
#ifndef ATP_NOTIFY_LOG_NOTIFIER_H_
#define ATP_NOTIFY_LOG_NOTIFIER_H_

#include <memory>
#include <ostream>

#include "atp/core/clock.h"
#include "atp/notify/notifier.h"

namespace atp::notify {

[[nodiscard]] std::unique_ptr<Notifier> MakeLogNotifier(std::ostream& out, Clock& clock);

}  // namespace atp::notify

#endif  // ATP_NOTIFY_LOG_NOTIFIER_H_
