#include "streamd_bus.hpp"

namespace streamd::it {

namespace {

constexpr const char* bus_name = "org.streamd.Streamd1";

} // namespace

std::string transfer_path(std::uint32_t id) {
    return std::string(manager_path) + "/transfer/" + std::to_string(id);
}

std::string TransferRow::describe() const {
    return "#" + std::to_string(id) + " " + direction + " " + state + " \"" + name + "\" peer " +
           peer + " " + std::to_string(bytes_done) + "/" + std::to_string(size) + " bytes" +
           (error.empty() ? "" : " error \"" + error + "\"") + " " + path;
}

std::string describe(const std::vector<TransferRow>& rows) {
    std::string text = "transfers (" + std::to_string(rows.size()) + "):\n";
    for (const auto& row : rows)
        text += "  " + row.describe() + "\n";
    return text;
}

StreamdBus::StreamdBus(const std::string& bus_address)
    : connection_(sdbus::createSessionBusConnectionWithAddress(bus_address)) {}

std::unique_ptr<sdbus::IProxy> StreamdBus::proxy(const std::string& path) {
    return sdbus::createProxy(*connection_, bus_name, path);
}

std::vector<TransferRow> StreamdBus::list_transfers() {
    std::vector<
        sdbus::Struct<std::uint32_t, std::string, std::string, std::string, std::string,
                      std::uint64_t, std::uint64_t, std::uint64_t, std::string, sdbus::ObjectPath>>
        entries;
    proxy(manager_path)
        ->callMethod("ListTransfers")
        .onInterface(manager_interface)
        .storeResultsTo(entries);
    std::vector<TransferRow> rows;
    for (const auto& e : entries)
        rows.push_back({e.get<0>(), e.get<1>(), e.get<2>(), e.get<3>(), e.get<4>(), e.get<5>(),
                        e.get<6>(), e.get<7>(), e.get<8>(), e.get<9>()});
    return rows;
}

std::optional<TransferRow> StreamdBus::find_transfer(std::uint32_t id) {
    for (auto& row : list_transfers())
        if (row.id == id) return row;
    return std::nullopt;
}

void StreamdBus::cancel_transfer(std::uint32_t id) {
    proxy(manager_path)
        ->callMethod("CancelTransfer")
        .onInterface(manager_interface)
        .withArguments(id);
}

void StreamdBus::cancel_on_object(std::uint32_t id) {
    proxy(transfer_path(id))->callMethod("Cancel").onInterface(transfer_interface);
}

namespace {
std::vector<sdbus::UnixFd> unix_fds(const std::vector<int>& fds) {
    std::vector<sdbus::UnixFd> out;
    for (int fd : fds)
        out.emplace_back(fd); // duplicated: the caller keeps its own
    return out;
}
} // namespace

std::uint32_t StreamdBus::send_tree(int folder, const std::vector<std::uint8_t>& manifest,
                                    const std::vector<int>& files, const std::string& destination,
                                    const std::string& name,
                                    std::map<std::string, sdbus::Variant> more) {
    std::uint32_t id = 0;
    sdbus::ObjectPath path;
    std::map<std::string, sdbus::Variant> options = std::move(more);
    options["name"] = sdbus::Variant(name);
    proxy(manager_path)
        ->callMethod("SendTree")
        .onInterface(manager_interface)
        .withArguments(sdbus::UnixFd(folder), manifest, unix_fds(files), destination, options)
        .storeResultsTo(id, path);
    return id;
}

void StreamdBus::add_files(std::uint32_t id, const std::vector<int>& files) {
    proxy(manager_path)
        ->callMethod("AddFiles")
        .onInterface(manager_interface)
        .withArguments(id, unix_fds(files));
}

void StreamdBus::reload() {
    proxy(manager_path)->callMethod("Reload").onInterface(manager_interface);
}

std::map<std::string, sdbus::Variant> StreamdBus::stats() {
    std::map<std::string, sdbus::Variant> result;
    proxy(manager_path)
        ->callMethod("GetStats")
        .onInterface(manager_interface)
        .storeResultsTo(result);
    return result;
}

sdbus::Variant StreamdBus::property(const std::string& path, const std::string& interface,
                                    const std::string& name) {
    return proxy(path)->getProperty(name).onInterface(interface);
}

void StreamdBus::set_property(const std::string& path, const std::string& interface,
                              const std::string& name, const sdbus::Variant& value) {
    proxy(path)->setProperty(name).onInterface(interface).toValue(value);
}

std::string CallOutcome::describe() const {
    return error_name.empty() ? "success" : error_name + ": " + message;
}

CallOutcome outcome_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const sdbus::Error& e) {
        return {e.getName(), e.getMessage()};
    }
    return {};
}

} // namespace streamd::it
