// The stream of backorder fills in PostgreSQL: numbering them as a transaction's last statement,
// and reading them by sequence (ListBackorderFills).
//
// Sequences come from the backorder_fill_counter row, locked by the statement that numbers and
// stores a transaction's fills and held until it commits (see the migration): they are dense and
// follow commit order, so a reader that keeps the last sequence it handled never misses one.
#pragma once

#include <cstdint>
#include <vector>

#include <pqxx/transaction>

#include "inventory-service/src/backorder_queue.h"
#include "oms/inventory/v1/inventory.pb.h"

namespace oms {
struct PreparedStatement;
}

namespace oms::inventory {

const std::vector<PreparedStatement>& BackorderFillStatements();

// The transaction's last statement: one fill (one sequence) per order and warehouse of
// `filled`, in the order they first appear, with a line per SKU. Taking the counter lock last
// keeps it held for the shortest time: every filling transaction waits for it. Nothing happens
// for nothing filled.
void RecordFills(pqxx::work& tx, const std::vector<FilledUnits>& filled);

// Up to `limit` fills after `after_sequence`, in sequence order, each with its warehouse's code
// and its lines in SKU order, and the head: the last sequence recorded (0 for none).
void ReadFills(pqxx::work& tx, int64_t after_sequence, int limit,
               v1::ListBackorderFillsResponse* out);

}  // namespace oms::inventory
