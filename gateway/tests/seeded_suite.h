// The base of a gateway end-to-end suite whose tests share one stack, started once for the suite
// by StartWithErika: the four services and the gateway, two German warehouses with PACK and MUG,
// and the customer Erika.
#pragma once

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "gateway/tests/gateway_client.h"

namespace oms::gateway::testing {

struct SeededEnv {
  GatewayStack stack;
  TestKey key;
  std::string erika;
  std::map<std::string, std::string> warehouses;  // ids by code
};

struct SeededOptions {
  std::string key_name;   // the suite's JWT signing key
  std::string admin_key;  // the bootstrap admin key
  int packs = 6;          // PACK units in each warehouse
  int mugs = 5;           // MUG units in each warehouse
};

// `Suite` says how to start its stack: static SeededOptions Options().
template <class Suite>
class SeededSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const SeededOptions options = Suite::Options();
    env = new SeededEnv;
    env->key = MakeRsaKey(options.key_name);
    auto seeded =
        StartWithErika(env->stack, env->key, options.admin_key, options.packs, options.mugs);
    ASSERT_TRUE(seeded.ok()) << seeded.status();
    env->erika = seeded->erika;
    env->warehouses = seeded->warehouses;
  }

  static void TearDownTestSuite() {
    delete env;
    env = nullptr;
  }

  static inline SeededEnv* env = nullptr;
};

}  // namespace oms::gateway::testing
