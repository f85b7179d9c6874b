#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sdbus-c++/sdbus-c++.h>
#include <string>
#include <vector>

namespace streamd::it {

inline constexpr const char* manager_interface = "org.streamd.Streamd1.Manager";
inline constexpr const char* transfer_interface = "org.streamd.Streamd1.Transfer";
inline constexpr const char* log_control_interface = "org.freedesktop.LogControl1";
inline constexpr const char* manager_path = "/org/streamd/Streamd1";
inline constexpr const char* log_control_path = "/org/freedesktop/LogControl1";
inline constexpr const char* error_prefix = "org.streamd.Streamd1.Error.";

std::string transfer_path(std::uint32_t id);

// One entry of Manager.ListTransfers.
struct TransferRow {
    std::uint32_t id = 0;
    std::string direction;
    std::string state;
    std::string name;
    std::string peer;
    std::uint64_t size = 0;
    std::uint64_t bytes_done = 0;
    std::uint64_t rate = 0;
    std::string error;
    std::string path;

    std::string describe() const;
};

std::string describe(const std::vector<TransferRow>& rows);

// streamd's D-Bus API called directly, for what streamctl does not show: error names, the
// Transfer object's own Cancel(), LogControl1. Calls block; failures throw sdbus::Error.
class StreamdBus {
public:
    explicit StreamdBus(const std::string& bus_address);

    std::vector<TransferRow> list_transfers();
    std::optional<TransferRow> find_transfer(std::uint32_t id);
    void cancel_transfer(std::uint32_t id);
    // Transfer.Cancel() on the transfer's object.
    void cancel_on_object(std::uint32_t id);
    void reload();
    // Manager.SendTree with options {"name": name} and `more`; the id it returns.
    std::uint32_t send_tree(int folder, const std::vector<std::uint8_t>& manifest,
                            const std::vector<int>& files, const std::string& destination,
                            const std::string& name,
                            std::map<std::string, sdbus::Variant> more = {});
    void add_files(std::uint32_t id, const std::vector<int>& files);
    std::map<std::string, sdbus::Variant> stats();

    sdbus::Variant property(const std::string& path, const std::string& interface,
                            const std::string& name);
    void set_property(const std::string& path, const std::string& interface,
                      const std::string& name, const sdbus::Variant& value);

private:
    std::unique_ptr<sdbus::IProxy> proxy(const std::string& path);

    std::unique_ptr<sdbus::IConnection> connection_;
};

// How a call ended: an empty name if it succeeded.
struct CallOutcome {
    std::string error_name;
    std::string message;

    std::string describe() const;
};
CallOutcome outcome_of(const std::function<void()>& call);

} // namespace streamd::it
