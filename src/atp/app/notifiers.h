// atp/app/notifiers.h
//
// Who hears of job outcomes, as the settings say: shared by `atp run` and `atp serve`.
#ifndef ATP_APP_NOTIFIERS_H_
#define ATP_APP_NOTIFIERS_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "atp/app/settings.h"
#include "atp/core/clock.h"
#include "atp/notify/notifier.h"

namespace atp::app {

// The notifiers of every outcome: a log line on `log`, and the settings' webhook when set.
[[nodiscard]] std::vector<std::unique_ptr<notify::Notifier>> MakeOutcomeNotifiers(
    const Settings& settings, std::ostream& log, Clock& clock);

// Makes the notifier of a manifest's CallbackUrl (pipeline::RunnerOptions::callback_notifier):
// signed with the webhook secret, to public addresses and ATP_CALLBACK_ALLOW_NETS only.
[[nodiscard]] std::function<std::unique_ptr<notify::Notifier>(const std::string& url)>
CallbackNotifierFactory(const Settings& settings, Clock& clock);

}  // namespace atp::app

#endif  // ATP_APP_NOTIFIERS_H_
