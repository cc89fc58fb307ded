// atp/pipeline/suite_delivery_fixture.h
//
// Test support: one generated delivery shared by the tests of a suite, made in its
// SetUpTestSuite and removed in its TearDownTestSuite.
#ifndef ATP_PIPELINE_SUITE_DELIVERY_FIXTURE_H_
#define ATP_PIPELINE_SUITE_DELIVERY_FIXTURE_H_

#include <filesystem>
#include <memory>

#include "atp/pipeline/sample_delivery.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::pipeline {

class SuiteDelivery {
 public:
  // Generates the delivery (a fatal test failure when it cannot).
  void Create(const SampleDeliveryOptions& options) {
    inputs_ = std::make_unique<testing::TempDir>();
    absl::StatusOr<SampleDelivery> delivery = CreateSampleDelivery(options, inputs_->path());
    ASSERT_TRUE(delivery.ok()) << delivery.status();
    manifest_ = delivery->manifest_file;
  }
  void Remove() {
    inputs_.reset();
    manifest_.clear();
  }
  // Empty when Create failed.
  [[nodiscard]] const std::filesystem::path& manifest() const { return manifest_; }

 private:
  std::unique_ptr<testing::TempDir> inputs_;
  std::filesystem::path manifest_;
};

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_SUITE_DELIVERY_FIXTURE_H_
