// The settings that a reload may change while workers read them: any thread may read,
// the control thread replaces them.
#pragma once

#include "config/config.hpp"
#include "config/secret_key.hpp"

#include <atomic>
#include <memory>
#include <mutex>

namespace streamd {

class LiveSettings {
public:
    // Throws ConfigError when the key file named in `config` cannot be used.
    explicit LiveSettings(const Config& config);

    Config::Limits limits() const;
    // The key in force, null when there is none.
    std::shared_ptr<const SecretKey> secret_key() const;
    // Whether HTTP requests are served.
    bool web_enabled() const { return web_enabled_.load(std::memory_order_relaxed); }

    // Takes the values of a reloaded configuration, with its key loaded beforehand (so
    // that a bad key file refuses the whole reload); true when the key changed.
    bool replace(const Config& fresh, std::shared_ptr<const SecretKey> key);

private:
    mutable std::mutex mutex_; // guards the two below
    Config::Limits limits_;
    std::shared_ptr<const SecretKey> secret_key_;
    std::atomic<bool> web_enabled_;
};

// The key `auth` names, or null for none; throws ConfigError.
std::shared_ptr<const SecretKey> key_for(const Config::Auth& auth);

} // namespace streamd
