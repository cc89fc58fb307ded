#include "atp/app/notifiers.h"

#include "atp/notify/log_notifier.h"
#include "atp/notify/webhook_notifier.h"

namespace atp::app {

std::vector<std::unique_ptr<notify::Notifier>> MakeOutcomeNotifiers(const Settings& settings,
                                                                    std::ostream& log,
                                                                    Clock& clock) {
  std::vector<std::unique_ptr<notify::Notifier>> notifiers;
  notifiers.push_back(notify::MakeLogNotifier(log, clock));
  if (!settings.webhook_url.empty()) {
    notifiers.push_back(notify::MakeWebhookNotifier(
        {.url = settings.webhook_url, .secret = settings.webhook_secret}, clock));
  }
  return notifiers;
}

std::function<std::unique_ptr<notify::Notifier>(const std::string& url)> CallbackNotifierFactory(
    const Settings& settings, Clock& clock) {
  const notify::AddressPolicy policy{.allowed_networks = settings.callback_allowed_networks};
  return [secret = settings.webhook_secret, policy, &clock](const std::string& url) {
    return notify::MakeWebhookNotifier({.url = url, .secret = secret, .address_policy = policy},
                                       clock);
  };
}

}  // namespace atp::app
