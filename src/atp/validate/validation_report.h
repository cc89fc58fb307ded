// atp/validate/validation_report.h
//
// Findings of the output validator, each tied to a rule of the rule table.
#ifndef ATP_VALIDATE_VALIDATION_REPORT_H_
#define ATP_VALIDATE_VALIDATION_REPORT_H_

#include <string>
#include <string_view>
#include <vector>

namespace atp::validate {

enum class Severity { kError, kWarning };

struct Rule {
  std::string_view id;  // e.g. "HLS-ENDLIST".
  Severity severity;
  std::string_view summary;
};

// Every rule the validator applies (docs/validate.md lists the same table).
[[nodiscard]] const std::vector<Rule>& RuleTable();

// What rule `rule_id` checks, in words ("" for an unknown id).
[[nodiscard]] std::string_view RuleSummary(std::string_view rule_id);

struct Finding {
  std::string rule;
  Severity severity = Severity::kError;
  std::string where;    // File, with ":line" or box offset when known.
  std::string message;  // What is wrong, with the declared and measured values.
};

class ValidationReport {
 public:
  // Records a finding of `rule_id` (which must be in RuleTable()).
  void Add(std::string_view rule_id, std::string where, std::string message);

  [[nodiscard]] const std::vector<Finding>& findings() const { return findings_; }
  [[nodiscard]] int errors() const;
  [[nodiscard]] int warnings() const;

 private:
  std::vector<Finding> findings_;
};

}  // namespace atp::validate

#endif  // ATP_VALIDATE_VALIDATION_REPORT_H_
