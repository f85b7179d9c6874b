// What streamd shows on the bus matches docs/DBUS.md member for member, both ways: the methods,
// signals and properties are read from the document itself (its object table, `### ` method
// headings and its signal, property and GetStats tables), so the two cannot drift apart.

#include "control_expectations.hpp"
#include "process.hpp"
#include "streamctl.hpp"
#include "streamd_bus.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "tool_paths.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

struct Member {
    std::string kind; // method, signal or property
    std::string name;
    std::string signature; // arguments in; a property's type
    std::string result;    // a method's arguments out
    bool writable = false;

    bool operator==(const Member&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Member& m) {
    out << m.kind << " " << m.name << " (" << m.signature;
    if (m.kind == "method") out << " -> " << m.result;
    if (m.writable) out << ", writable";
    return out << ")";
}

struct DocumentedObject {
    std::string path;
    std::string interface;
    std::vector<Member> members;
    // GetStats keys beyond the properties, with their types.
    std::map<std::string, std::string> stats_keys;
};

std::string trim(const std::string& s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string::npos) return "";
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// The text between the first pair of backticks, or nothing.
std::optional<std::string> first_code(const std::string& s) {
    const auto open = s.find('`');
    if (open == std::string::npos) return std::nullopt;
    const auto close = s.find('`', open + 1);
    if (close == std::string::npos) return std::nullopt;
    return s.substr(open + 1, close - open - 1);
}

std::vector<std::string> table_cells(const std::string& line) {
    std::vector<std::string> cells;
    std::istringstream in(line.substr(1));
    for (std::string cell; std::getline(in, cell, '|');)
        cells.push_back(trim(cell));
    return cells;
}

// "h fd, s destination, a{sv} options" -> "hsa{sv}": each argument's type is its first word.
std::string signature_of(const std::string& arguments) {
    std::string signature;
    std::istringstream in(arguments);
    for (std::string argument; std::getline(in, argument, ',');) {
        std::istringstream words(argument);
        std::string type;
        words >> type;
        signature += type;
    }
    return signature;
}

// "Name(u id, o path)" -> {"Name", "uo"}.
std::pair<std::string, std::string> name_and_arguments(const std::string& code) {
    const auto open = code.find('(');
    const auto close = code.find(')', open);
    if (open == std::string::npos || close == std::string::npos) return {trim(code), ""};
    return {code.substr(0, open), signature_of(code.substr(open + 1, close - open - 1))};
}

Member method_from_heading(const std::string& code) {
    Member m;
    m.kind = "method";
    const std::string arrow = "\xe2\x86\x92"; // →
    const auto at = code.find(arrow);
    std::tie(m.name, m.signature) = name_and_arguments(code.substr(0, at));
    if (at != std::string::npos) {
        const std::string out = trim(code.substr(at + arrow.size()));
        m.result = out.starts_with("(") ? signature_of(out.substr(1, out.rfind(')') - 1)) : out;
    }
    return m;
}

std::vector<DocumentedObject> read_dbus_doc(const fs::path& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    std::map<std::string, std::string> interface_of_path;
    std::vector<DocumentedObject> objects;
    DocumentedObject* current = nullptr;
    std::string table; // first header cell of the table being read, empty outside tables
    bool header_next = true;
    for (std::string line; std::getline(in, line);) {
        if (!line.starts_with("|")) {
            header_next = true;
            table.clear();
        }
        if (line.starts_with("## ")) {
            current = nullptr;
            auto path = first_code(line);
            if (path && path->starts_with("/") && interface_of_path.contains(*path)) {
                objects.push_back({*path, interface_of_path[*path], {}, {}});
                current = &objects.back();
            }
        } else if (line.starts_with("### ") && current) {
            if (auto code = first_code(line))
                current->members.push_back(method_from_heading(*code));
        } else if (line.starts_with("|")) {
            auto cells = table_cells(line);
            if (header_next) {
                table = cells.empty() ? "" : cells[0];
                header_next = false;
                continue;
            }
            if (cells.size() < 2 || cells[0].starts_with("---")) continue;
            auto code = first_code(cells[0]);
            if (!code) continue;
            if (table == "object") {
                if (auto interface = first_code(cells[1])) interface_of_path[*code] = *interface;
            } else if (current && table == "signal") {
                auto [name, signature] = name_and_arguments(*code);
                current->members.push_back({"signal", name, signature, "", false});
            } else if (current && (table == "property" || table == "name")) {
                current->members.push_back({"property", *code, first_code(cells[1]).value_or(""),
                                            "", cells[1].find("read-write") != std::string::npos});
            } else if (current && table == "key") {
                current->stats_keys[*code] = first_code(cells[1]).value_or("");
            }
        }
    }
    return objects;
}

// One interface of one object as `busctl introspect` lists it: NAME TYPE SIGNATURE RESULT/VALUE
// FLAGS, members starting with a dot. Values may hold spaces; the columns used here do not.
std::vector<Member> parse_introspection(const std::string& text) {
    std::vector<Member> members;
    for (const auto& line : lines_of(text)) {
        std::istringstream in(line);
        std::string name, kind, signature, result;
        in >> name >> kind >> signature >> result;
        if (!name.starts_with(".")) continue;
        Member m{kind, name.substr(1), signature == "-" ? "" : signature, "", false};
        if (kind == "method") m.result = result == "-" ? "" : result;
        if (kind == "property") m.writable = trim(line).ends_with("writable");
        members.push_back(m);
    }
    return members;
}

RunResult introspect(const std::string& bus_address, const std::string& path,
                     const std::string& interface) {
    return run({.argv = {"busctl", "--user", "--no-pager", "--no-legend", "introspect",
                         "org.streamd.Streamd1", path, interface},
                .env = {{"DBUS_SESSION_BUS_ADDRESS", bus_address}}},
               std::chrono::seconds(60));
}

const DocumentedObject* documented(const std::vector<DocumentedObject>& objects,
                                   const std::string& interface) {
    for (const auto& object : objects)
        if (object.interface == interface) return &object;
    return nullptr;
}

// A daemon with one finished transfer, so that a transfer object exists to look at.
struct IntrospectScene {
    StreamdInstance receiver;
    StreamdInstance sender;
    fixtures::TempDir sources{"streamd-it-sources"};
    std::vector<DocumentedObject> doc;
    std::uint32_t transfer_id = 0;
    std::string problem;
};

class ControlIntrospect : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        try {
            scene_ = std::make_unique<IntrospectScene>();
            scene_->doc = read_dbus_doc(source_root() / "docs" / "DBUS.md");
            write_random_file(scene_->sources / "looked-at.bin", 100 * KiB, 0x1e);
            RunResult sent =
                run_streamctl(scene_->sender.bus_address(),
                              {"send", "--no-block", (scene_->sources / "looked-at.bin").string(),
                               scene_->receiver.endpoint()});
            auto ids = queued_ids(sent);
            if (!sent.status.success() || !ids || ids->size() != 1)
                scene_->problem = "cannot queue a transfer:\n" + sent.describe();
            else
                scene_->transfer_id = ids->front();
        } catch (const std::exception& e) {
            startup_error_ = e.what();
        }
    }
    static void TearDownTestSuite() { scene_.reset(); }

    void SetUp() override {
        if (!scene_) FAIL() << "setup failed:\n" << startup_error_;
    }

    IntrospectScene& scene() { return *scene_; }

    // Every documented member is there with the documented signature, and nothing else is.
    void expect_matches_doc(const std::string& path, const std::string& interface) {
        const DocumentedObject* doc = documented(scene().doc, interface);
        ASSERT_NE(doc, nullptr) << interface << " is not documented in docs/DBUS.md";
        RunResult result = introspect(scene().sender.bus_address(), path, interface);
        ASSERT_TRUE(succeeded(result)) << scene().sender.log();
        const auto shown = parse_introspection(result.out);
        for (const auto& member : doc->members) {
            auto found = std::find_if(shown.begin(), shown.end(),
                                      [&](const Member& m) { return m.name == member.name; });
            if (found == shown.end()) {
                ADD_FAILURE() << "documented but not on the bus: " << member << " of "
                              << interface << " at " << path << "\n"
                              << result.out;
                continue;
            }
            EXPECT_EQ(*found, member) << "on the bus vs documented, " << interface;
        }
        for (const auto& member : shown) {
            bool in_doc = std::any_of(doc->members.begin(), doc->members.end(),
                                      [&](const Member& m) { return m.name == member.name; });
            EXPECT_TRUE(in_doc) << "on the bus but not in docs/DBUS.md: " << member << " of "
                                << interface;
        }
    }

private:
    static inline std::unique_ptr<IntrospectScene> scene_;
    static inline std::string startup_error_;
};

// Guards against a parser that silently finds nothing and so passes every check.
TEST_F(ControlIntrospect, DocumentNamesTheThreeObjects) {
    const auto& doc = scene().doc;
    const DocumentedObject* manager = documented(doc, manager_interface);
    const DocumentedObject* transfer = documented(doc, transfer_interface);
    const DocumentedObject* log_control = documented(doc, log_control_interface);
    ASSERT_NE(manager, nullptr);
    ASSERT_NE(transfer, nullptr);
    ASSERT_NE(log_control, nullptr);
    EXPECT_EQ(manager->path, manager_path);
    EXPECT_EQ(log_control->path, log_control_path);
    auto count = [](const DocumentedObject& o, const char* kind) {
        return std::count_if(o.members.begin(), o.members.end(),
                             [&](const Member& m) { return m.kind == kind; });
    };
    EXPECT_GE(count(*manager, "method"), 5);
    EXPECT_GE(count(*manager, "signal"), 2);
    EXPECT_GE(count(*manager, "property"), 12);
    EXPECT_GE(count(*transfer, "method"), 1);
    EXPECT_GE(count(*transfer, "property"), 16);
    EXPECT_GE(count(*log_control, "property"), 3);
    EXPECT_FALSE(manager->stats_keys.empty());
    auto send = std::find_if(manager->members.begin(), manager->members.end(),
                             [](const Member& m) { return m.name == "Send"; });
    ASSERT_NE(send, manager->members.end());
    EXPECT_EQ(*send, (Member{"method", "Send", "hsa{sv}", "uo", false}));
}

TEST_F(ControlIntrospect, ManagerMatchesTheDocument) {
    expect_matches_doc(manager_path, manager_interface);
}

TEST_F(ControlIntrospect, TransferObjectMatchesTheDocument) {
    ASSERT_NE(scene().transfer_id, 0u) << scene().problem;
    expect_matches_doc(transfer_path(scene().transfer_id), transfer_interface);
}

TEST_F(ControlIntrospect, LogControlMatchesTheDocument) {
    expect_matches_doc(log_control_path, log_control_interface);
}

TEST_F(ControlIntrospect, GetStatsHoldsEveryDocumentedKey) {
    const DocumentedObject* manager = documented(scene().doc, manager_interface);
    ASSERT_NE(manager, nullptr);
    StreamdBus bus(scene().sender.bus_address());
    const auto stats = bus.stats();
    std::map<std::string, std::string> want = manager->stats_keys;
    for (const auto& member : manager->members)
        if (member.kind == "property") want[member.name] = member.signature;
    for (const auto& [key, type] : want) {
        auto found = stats.find(key);
        if (found == stats.end()) {
            ADD_FAILURE() << "GetStats lacks " << key;
            continue;
        }
        EXPECT_EQ(found->second.peekValueType(), type) << "type of GetStats key " << key;
    }
}

} // namespace
} // namespace streamd::it
