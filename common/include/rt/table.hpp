// Result tables: every benchmark ends with one, printed aligned for people or as JSON
// (`--json`) for machines.
#pragma once

#include <string>
#include <vector>

#include "rt/output.hpp"

namespace rt {

// The cell of a figure that measured nothing (a rate over zero messages, a percentile of no
// latency): a 0 there would read as a result. Printed as "-", emitted as JSON null; the
// table's notes should say why it is empty.
inline constexpr const char* kNotMeasured = "-";

class Table {
 public:
  Table(std::string title, std::vector<std::string> columns);

  // A row of cells, one per column (asserted). Cells that read whole as a number are
  // right-aligned, and emitted as JSON numbers; a kNotMeasured cell is right-aligned too,
  // and emitted as JSON null.
  void add_row(std::vector<std::string> cells);

  // The title, then aligned columns under a rule:
  //   metric          value   unit
  //   --------------  ------  ----
  void print(Output& out) const;
  // {"title": "...", "rows": [{"metric": "...", "value": 12.5, ...}, ...]}
  void print_json(Output& out) const;

  const std::vector<std::vector<std::string>>& rows() const { return rows_; }

 private:
  std::string title_;
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// A table cell for a measured value: fixed-point with `decimals` digits ("12.5").
std::string format_number(double value, int decimals = 1);
// Formats a count of nanoseconds with a fitting unit: "850 ns", "12.3 us", "4.56 ms", "1.20 s".
std::string format_duration_ns(double ns);
// Formats bytes with a binary unit: "512 B", "8.0 KiB", "1.50 MiB", "2.00 GiB".
std::string format_bytes(double bytes);

}  // namespace rt
