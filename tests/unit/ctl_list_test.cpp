// `streamctl list`: the table people read and the JSON programs read; and the counts of
// files that `watch` keeps for its table.

#include "ctl/file_counts.hpp"
#include "ctl/transfer_json.hpp"
#include "ctl/transfer_table.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <map>
#include <string>
#include <utility>
#include <vector>

using namespace streamd::ctl;

namespace {

std::vector<TransferRow> sample_rows() {
    return {
        {1, "out", "running", "big.iso", "otherhost:7740", 3ull << 30, 1ull << 30, 512ull << 20, "",
         "/org/streamd/Streamd1/transfer/1", "TLS1.3 AES-256-GCM, user space"},
        {12, "in", "done", "notes.txt", "10.0.0.5:51234", 1500, 1500, 0, "",
         "/org/streamd/Streamd1/transfer/12", "none", 1, 1},
        {13, "out", "failed", "x", "nowhere", 4096, 0, 0, "cannot resolve nowhere: unknown host",
         "/org/streamd/Streamd1/transfer/13", ""},
    };
}

TransferRow row(uint32_t id, std::string state, std::string name) {
    return {id, "in", std::move(state), std::move(name), "p", 0, 0, 0, "", "/x", ""};
}

} // namespace

// --- the table --------------------------------------------------------------------------

TEST(CtlTransferTable, EmptyList) {
    EXPECT_EQ(format_transfer_table({}), "No transfers.\n");
    EXPECT_EQ(format_transfer_table({}, {.legend = false}), "");
}

TEST(CtlTransferTable, AlignedColumnsWithLegend) {
    EXPECT_EQ(format_transfer_table(sample_rows()),
              "ID  DIR  STATE    NAME       PEER                SIZE  DONE       RATE\n"
              " 1  out  running  big.iso    otherhost:7740  3.00 GiB   33%  512 MiB/s\n"
              "12  in   done     notes.txt  10.0.0.5:51234  1.46 KiB  100%          -\n"
              "13  out  failed   x          nowhere         4.00 KiB    0%          -\n"
              "\n"
              "3 transfers listed.\n");
}

TEST(CtlTransferTable, OneTransferIsSingular) {
    const std::string table = format_transfer_table({row(1, "done", "a")});
    EXPECT_TRUE(table.ends_with("\n\n1 transfer listed.\n")) << table;
}

TEST(CtlTransferTable, NoLegendLeavesTheRowsAlone) {
    // Widths come from the rows alone, so the header's words do not widen the columns.
    EXPECT_EQ(format_transfer_table(sample_rows(), {.legend = false}),
              " 1  out  running  big.iso    otherhost:7740  3.00 GiB   33%  512 MiB/s\n"
              "12  in   done     notes.txt  10.0.0.5:51234  1.46 KiB  100%          -\n"
              "13  out  failed   x          nowhere         4.00 KiB    0%          -\n");
    EXPECT_EQ(format_transfer_table({row(1, "done", "a")}, {.legend = false}),
              "1  in  done  a  p  0 B  100%  -\n");
}

TEST(CtlTransferTable, HeaderSetsTheWidthWhenValuesAreNarrow) {
    const std::string table = format_transfer_table({row(1, "done", "a")});
    EXPECT_TRUE(table.starts_with("ID  DIR  STATE  NAME  PEER  SIZE  DONE  RATE\n"
                                  " 1  in   done   a     p      0 B  100%     -\n"))
        << table;
}

TEST(CtlTransferTable, QueuedAndConnectingShowNoRate) {
    TransferRow queued = row(2, "queued", "q");
    queued.size = 100;
    TransferRow running = row(3, "running", "r");
    running.size = 100;
    running.bytes_done = 50;
    EXPECT_EQ(format_transfer_table({queued, running}, {.legend = false}),
              "2  in  queued   q  p  100 B   0%      -\n"
              "3  in  running  r  p  100 B  50%  0 B/s\n");
}

TEST(CtlTransferTable, ControlCharactersDoNotReachTheTerminal) {
    TransferRow r = row(1, "done", "x\x1b[2Jy");
    r.peer = "evil\rpeer";
    const std::string table = format_transfer_table({r});
    EXPECT_EQ(table.find('\x1b'), std::string::npos);
    EXPECT_EQ(table.find('\r'), std::string::npos);
    EXPECT_NE(table.find("x?[2Jy"), std::string::npos);
    EXPECT_NE(table.find("evil?peer"), std::string::npos);
}

TEST(CtlTransferTable, MultiByteNamesAlignByColumns) {
    const std::string table =
        format_transfer_table({row(1, "done", "caf\xc3\xa9"), row(2, "done", "tea")});
    EXPECT_NE(table.find("caf\xc3\xa9  p"), std::string::npos) << table;
    EXPECT_NE(table.find("tea   p"), std::string::npos) << table;
}

TEST(CtlTransferTable, WideCharactersTakeTwoColumns) {
    // U+65E5 U+672C ("Japan") take two columns each in a terminal; U+1F600 too.
    const std::string japan = "\xe6\x97\xa5\xe6\x9c\xac";
    const std::string smile = "\xf0\x9f\x98\x80";
    EXPECT_EQ(format_transfer_table(
                  {row(1, "done", japan), row(2, "done", "abcde"), row(3, "done", smile)},
                  {.legend = false}),
              "1  in  done  " + japan + "   p  0 B  100%  -\n" +
                  "2  in  done  abcde  p  0 B  100%  -\n" + //
                  "3  in  done  " + smile + "     p  0 B  100%  -\n");
}

TEST(CtlTransferTable, CombiningMarksTakeNoColumn) {
    // "e" followed by U+0301 COMBINING ACUTE ACCENT shows as one column, like "é".
    const std::string decomposed = "cafe\xcc\x81";
    const std::string table = format_transfer_table(
        {row(1, "done", decomposed), row(2, "done", "tea")}, {.legend = false});
    EXPECT_EQ(table, "1  in  done  " + decomposed + "  p  0 B  100%  -\n" +
                         "2  in  done  tea   p  0 B  100%  -\n");
}

TEST(CtlTransferTable, LongNamesWidenTheirColumn) {
    const std::string long_name(70, 'n');
    const std::string table =
        format_transfer_table({row(1, "done", long_name), row(22, "done", "s")});
    EXPECT_NE(table.find(" 1  in   done   " + long_name + "  p "), std::string::npos) << table;
    EXPECT_NE(table.find("22  in   done   s" + std::string(69, ' ') + "  p "), std::string::npos)
        << table;
}

TEST(CtlTransferTable, ColourPaintsOnlyTheStateAndKeepsAlignment) {
    const std::string table = format_transfer_table(
        {row(1, "running", "a"), row(2, "failed", "b"), row(3, "queued", "c")},
        {.legend = true, .colour = true});
    EXPECT_EQ(table, "ID  DIR  STATE    NAME  PEER  SIZE  DONE   RATE\n"
                     " 1  in   \x1b[36mrunning\x1b[0m  a     p      0 B  100%  0 B/s\n"
                     " 2  in   \x1b[31mfailed\x1b[0m   b     p      0 B  100%      -\n"
                     " 3  in   \x1b[2mqueued\x1b[0m   c     p      0 B  100%      -\n"
                     "\n"
                     "3 transfers listed.\n");
}

TEST(CtlTransferTable, UnknownStatesAreShownUncoloured) {
    const std::string table =
        format_transfer_table({row(1, "pondering", "a")}, {.legend = false, .colour = true});
    EXPECT_EQ(table, "1  in  pondering  a  p  0 B  100%  -\n");
}

TEST(CtlTransferTable, FoldersCountTheirFilesBeforeThePercentage) {
    TransferRow folder = row(2, "running", "photos");
    folder.size = 1000;
    folder.bytes_done = 810;
    folder.files = 10100;
    folder.files_done = 8204;
    TransferRow file = row(3, "running", "a.iso");
    file.size = 100;
    file.bytes_done = 45;
    TransferRow empty = row(4, "done", "nothing");
    empty.files = 0;
    EXPECT_EQ(format_transfer_table({folder, file, empty}),
              "ID  DIR  STATE    NAME     PEER    SIZE                   DONE   RATE\n"
              " 2  in   running  photos   p     1000 B  8204/10100 files, 81%  0 B/s\n"
              " 3  in   running  a.iso    p      100 B                    45%  0 B/s\n"
              " 4  in   done     nothing  p        0 B        0/0 files, 100%      -\n"
              "\n"
              "3 transfers listed.\n");
}

TEST(CtlTransferTable, FilesDoneBeyondFilesAreCapped) {
    TransferRow r = row(1, "done", "d");
    r.files = 2;
    r.files_done = 3;
    EXPECT_EQ(format_transfer_table({r}, {.legend = false}),
              "1  in  done  d  p  0 B  2/2 files, 100%  -\n");
}

// --- JSON -------------------------------------------------------------------------------

TEST(CtlTransferJson, EmptyList) {
    EXPECT_EQ(format_transfer_json({}), "[]");
    EXPECT_EQ(format_transfer_json({}, JsonStyle::Pretty), "[]");
}

// The encryption only where it was read.
TEST(CtlTransferJson, CompactRowsWithEveryKey) {
    EXPECT_EQ(format_transfer_json(sample_rows()),
              R"([{"id":1,"direction":"out","state":"running","name":"big.iso",)"
              R"("peer":"otherhost:7740","size":3221225472,"bytes_done":1073741824,)"
              R"("files":1,"files_done":0,"rate":536870912,"error":"",)"
              R"("encryption":"TLS1.3 AES-256-GCM, user space",)"
              R"("path":"/org/streamd/Streamd1/transfer/1"},)"
              R"({"id":12,"direction":"in","state":"done","name":"notes.txt",)"
              R"("peer":"10.0.0.5:51234","size":1500,"bytes_done":1500,"files":1,"files_done":1,)"
              R"("rate":0,"error":"",)"
              R"("encryption":"none","path":"/org/streamd/Streamd1/transfer/12"},)"
              R"({"id":13,"direction":"out","state":"failed","name":"x","peer":"nowhere",)"
              R"("size":4096,"bytes_done":0,"files":1,"files_done":0,"rate":0,)"
              R"("error":"cannot resolve nowhere: unknown host",)"
              R"("path":"/org/streamd/Streamd1/transfer/13"}])");
}

TEST(CtlTransferJson, PrettyIndentsByTwoSpaces) {
    std::vector<TransferRow> rows = sample_rows();
    rows.resize(1);
    EXPECT_EQ(format_transfer_json(rows, JsonStyle::Pretty), R"([
  {
    "id": 1,
    "direction": "out",
    "state": "running",
    "name": "big.iso",
    "peer": "otherhost:7740",
    "size": 3221225472,
    "bytes_done": 1073741824,
    "files": 1,
    "files_done": 0,
    "rate": 536870912,
    "error": "",
    "encryption": "TLS1.3 AES-256-GCM, user space",
    "path": "/org/streamd/Streamd1/transfer/1"
  }
])");
}

TEST(CtlTransferJson, PrettySeparatesObjects) {
    const std::string json =
        format_transfer_json({row(1, "done", "a"), row(2, "done", "b")}, JsonStyle::Pretty);
    EXPECT_NE(json.find("    \"path\": \"/x\"\n  },\n  {\n    \"id\": 2,"), std::string::npos)
        << json;
}

TEST(CtlTransferJson, HostileNamesStayValidJson) {
    TransferRow r = row(7, "failed", "a\"\n\xff");
    r.error = "bad\tbyte";
    EXPECT_EQ(format_transfer_json({r}),
              R"([{"id":7,"direction":"in","state":"failed","name":"a\"\n\ufffd","peer":"p",)"
              R"("size":0,"bytes_done":0,"files":1,"files_done":0,"rate":0,"error":"bad\tbyte",)"
              R"("path":"/x"}])");
}

TEST(CtlTransferJson, OneRowForJsonLines) {
    JsonWriter w;
    write_transfer_row(w, row(3, "queued", "q"));
    EXPECT_EQ(w.text(), R"({"id":3,"direction":"in","state":"queued","name":"q","peer":"p",)"
                        R"("size":0,"bytes_done":0,"files":1,"files_done":0,"rate":0,"error":"",)"
                        R"("path":"/x"})");
}

TEST(CtlTransferJson, FoldersSayHowManyFilesAreDone) {
    TransferRow r = row(5, "running", "photos");
    r.files = 10100;
    r.files_done = 8204;
    EXPECT_EQ(format_transfer_json({r}),
              R"([{"id":5,"direction":"in","state":"running","name":"photos","peer":"p",)"
              R"("size":0,"bytes_done":0,"files":10100,"files_done":8204,"rate":0,"error":"",)"
              R"("path":"/x"}])");
}

TEST(CtlTransferJson, WhatAFolderLeftOutIsListedWhereItWasRead) {
    TransferRow r = row(5, "done", "photos");
    r.skipped = std::vector<SkippedEntry>{{"fifo", "a FIFO"}};
    EXPECT_NE(format_transfer_json({r}).find(
                  R"("error":"","skipped":[{"path":"fifo","reason":"a FIFO"}],"path":"/x"})"),
              std::string::npos);
    r.skipped = std::vector<SkippedEntry>{};
    EXPECT_NE(format_transfer_json({r}).find(R"("skipped":[],)"), std::string::npos);
    EXPECT_EQ(format_transfer_json({row(5, "done", "photos")}).find("skipped"), std::string::npos)
        << "not read: not shown";
}

// --- counting files for the live table ----------------------------------------------------

namespace {

// Stands in for the transfers' objects: counts the questions, answers from `files`.
struct Objects {
    std::map<std::string, std::pair<uint32_t, uint32_t>> files; // path: files, files_done
    std::vector<std::string> asked;

    FileCounts::Ask ask() {
        return [this](TransferRow& r) {
            asked.push_back(r.path);
            const auto it = files.find(r.path);
            if (it == files.end()) return false;
            r.files = it->second.first;
            r.files_done = it->second.second;
            return true;
        };
    }
};

TransferRow at(std::string path, std::string state, std::string name) {
    TransferRow r = row(1, std::move(state), std::move(name));
    r.path = std::move(path);
    return r;
}

} // namespace

TEST(CtlFileCounts, AsksOnlyWhileTheCountCanChange) {
    Objects objects;
    objects.files = {{"/1", {1, 0}}, {"/2", {10, 3}}, {"/3", {4, 4}}};
    FileCounts counts;
    std::vector<TransferRow> rows{at("/1", "running", "a.iso"), at("/2", "running", "photos"),
                                  at("/3", "done", "music")};
    counts.fill(rows, objects.ask());
    EXPECT_EQ(objects.asked, (std::vector<std::string>{"/1", "/2", "/3"}));
    EXPECT_EQ(rows[1].files, 10u);
    EXPECT_EQ(rows[1].files_done, 3u);
    EXPECT_EQ(rows[2].files_done, 4u);

    // The file is told by its state, the ended folder is remembered: only the folder on its
    // way is asked again.
    objects.asked.clear();
    objects.files["/1"] = {1, 1};
    objects.files["/2"] = {10, 7};
    rows = {at("/1", "done", "a.iso"), at("/2", "running", "photos"), at("/3", "done", "music")};
    counts.fill(rows, objects.ask());
    EXPECT_EQ(objects.asked, (std::vector<std::string>{"/2"}));
    EXPECT_EQ(rows[0].files, 1u);
    EXPECT_EQ(rows[0].files_done, 1u);
    EXPECT_EQ(rows[1].files_done, 7u);
    EXPECT_EQ(rows[2].files, 4u);
    EXPECT_EQ(rows[2].files_done, 4u);
}

TEST(CtlFileCounts, AnotherTransferUnderTheSamePathIsAskedAbout) {
    Objects objects;
    objects.files = {{"/1", {3, 3}}};
    FileCounts counts;
    std::vector<TransferRow> rows{at("/1", "done", "old")};
    counts.fill(rows, objects.ask());
    // A restarted daemon counts its ids from 1 again: another name, or a state that went
    // back, is another transfer.
    objects.files["/1"] = {5, 5};
    rows = {at("/1", "done", "new")};
    counts.fill(rows, objects.ask());
    EXPECT_EQ(rows[0].files, 5u);
    objects.files["/1"] = {8, 0};
    rows = {at("/1", "running", "new")};
    counts.fill(rows, objects.ask());
    EXPECT_EQ(rows[0].files, 8u);
    EXPECT_EQ(objects.asked.size(), 3u);
}

TEST(CtlFileCounts, WhatCannotBeReadIsASingleFileAndAskedAgain) {
    Objects objects;
    FileCounts counts;
    std::vector<TransferRow> rows{at("/9", "done", "gone")};
    rows[0].files_done = 1;
    counts.fill(rows, objects.ask());
    counts.fill(rows, objects.ask());
    EXPECT_EQ(rows[0].files, 1u);
    EXPECT_EQ(rows[0].files_done, 1u);
    EXPECT_EQ(objects.asked.size(), 2u);
}
