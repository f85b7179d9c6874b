#include "config/live_settings.hpp"

namespace streamd {

std::shared_ptr<const SecretKey> key_for(const Config::Auth& auth) {
    return auth.secret_file ? load_secret_key(*auth.secret_file) : nullptr;
}

LiveSettings::LiveSettings(const Config& config)
    : limits_(config.limits), secret_key_(key_for(config.auth)), web_enabled_(config.web.enabled) {}

Config::Limits LiveSettings::limits() const {
    std::lock_guard lock(mutex_);
    return limits_;
}

std::shared_ptr<const SecretKey> LiveSettings::secret_key() const {
    std::lock_guard lock(mutex_);
    return secret_key_;
}

bool LiveSettings::replace(const Config& fresh, std::shared_ptr<const SecretKey> key) {
    bool key_changed = false;
    {
        std::lock_guard lock(mutex_);
        limits_ = fresh.limits;
        key_changed = bool(key) != bool(secret_key_) || (key && !(*key == *secret_key_));
        secret_key_ = std::move(key);
    }
    web_enabled_.store(fresh.web.enabled, std::memory_order_relaxed);
    return key_changed;
}

} // namespace streamd
