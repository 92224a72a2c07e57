import ETLHost
import ETLPluginKit
import ETLTestSupport
import Foundation
import Testing

/// The host's typed warehouse API (WarehouseSession.swift) against a
/// warehouse written in C that breaks the contract on purpose.
@Suite("WarehouseSession: the host's side of the warehouse operations")
struct WarehouseSessionTests {
    /// A C warehouse: write keeps a 2-row batch without taking it (a
    /// contract violation), fails a 3-row batch with ETL_ERR_DATA, takes
    /// any other; state_get knows one key; no schema_get; no tables.
    static let source = #"""
        #include "etl_plugin.h"
        #include <stdlib.h>

        static char writer_token;

        static etl_status fail(etl_error* error, etl_status code, const char* message) {
          error->code = code;
          error->message = (char*)message; /* static: release stays NULL */
          return code;
        }
        static etl_status open_instance(const etl_open_request* request, etl_instance** out, etl_error* error) {
          (void)request; (void)error;
          *out = (etl_instance*)malloc(1);
          return ETL_OK;
        }
        static void close_instance(etl_instance* instance) { free(instance); }
        static etl_status begin(etl_instance* instance, const etl_table_request* request, etl_writer** out,
                                etl_error* error) {
          (void)instance; (void)request; (void)error;
          *out = (etl_writer*)&writer_token;
          return ETL_OK;
        }
        static etl_status write_batch(etl_writer* writer, struct ArrowArray* batch, etl_error* error) {
          (void)writer;
          if (batch->length == 2) return ETL_OK; /* keeps release set: breaks the contract */
          struct ArrowArray moved = *batch;
          batch->release = NULL;
          moved.release(&moved);
          if (moved.length == 3) return fail(error, ETL_ERR_DATA, "row 3 is bad");
          return ETL_OK;
        }
        static etl_status commit(etl_writer* writer, const etl_commit_request* request, etl_error* error) {
          (void)writer; (void)error;
          if (request->state_key && request->state_key[0] == 'x') return fail(error, ETL_ERR_IO, "disk gone");
          return ETL_OK;
        }
        static void rollback(etl_writer* writer) { (void)writer; }
        static etl_status state_get(etl_instance* instance, const char* key, etl_buffer* state, etl_error* error) {
          (void)instance;
          if (key[0] == 'm') return fail(error, ETL_ERR_NOT_FOUND, "no such key");
          state->data = "{\"n\":42}";
          state->length = 8;
          return ETL_OK;
        }
        static etl_status table_schema(etl_instance* instance, const char* table, struct ArrowSchema* out,
                                       etl_error* error) {
          (void)instance; (void)table; (void)out;
          return fail(error, ETL_ERR_NOT_FOUND, "no tables here");
        }
        static const etl_warehouse_ops ops = {
          sizeof(etl_warehouse_ops), begin, write_batch, commit, rollback, state_get, table_schema, NULL, NULL, NULL, NULL
        };
        ETL_EXPORT etl_status etl_plugin_init(uint32_t host_abi, const etl_host_api* host, etl_plugin* out,
                                              etl_error* error) {
          (void)host_abi; (void)host; (void)error;
          out->abi_version = ETL_ABI_VERSION;
          out->kind = ETL_KIND_WAREHOUSE;
          out->name = "leaky";
          out->version = "1.0.0";
          out->description = "breaks the write contract";
          out->language = "c";
          out->config_schema = "{\"type\":\"object\"}";
          out->capabilities = ETL_CAP_MODE_APPEND;
          out->open = open_instance;
          out->close = close_instance;
          out->warehouse = &ops;
          out->struct_size = sizeof(etl_plugin);
          return ETL_OK;
        }
        """#

    static let library: Result<String, any Error> = Result {
        let folder = try TestSupport.temporaryDirectory("leaky-warehouse")
        try source.write(toFile: folder + "/leaky.c", atomically: true, encoding: .utf8)
        let result = try TestSupport.run("/usr/bin/env", ["cc", "-std=c99", "-fPIC", "-shared", "-Wall", "-Wextra",
                                                          "-Werror", "-I", TestSupport.includeDirectory,
                                                          folder + "/leaky.c", "-o", folder + "/libleaky.so"])
        guard result.status == 0 else { throw TestFailure("cc failed: \(result.stderr)") }
        return folder + "/libleaky.so"
    }

    func openLeaky() throws -> PluginInstance {
        try PluginInstance(plugin: try PluginLoader().load(libraryAt: try Self.library.get()), configJSON: "{}")
    }

    static let fields = [ArrowField("n", .int64)]

    func batch(rows: Int) throws -> ArrowBatchBuilder {
        try makeBatch(Self.fields, (0..<rows).map { [.int(Int64($0))] })
    }

    @Test("a plugin that does not take the batch breaks the contract: the host releases it and says so")
    func writeMustTakeOwnership() throws {
        let instance = try openLeaky()
        let writer = try instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .append, runID: "r")
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        try batch(rows: 2).finish(into: array)
        let failure = hostError { try writer.write(array) }
        #expect(failure?.kind == .pluginFailed)
        #expect(failure?.message == "plugin 'leaky': write to table 't' returned without taking ownership of the "
            + "batch (its release callback is still set); write must move the batch out and set batch->release to "
            + "NULL whatever the outcome")
        #expect(array.pointee.release == nil)
        #expect(writer.rowsWritten == 0)
        writer.rollback()
        #expect(writer.isFinished)
    }

    @Test("a failed write carries the plugin's message and status (ETL_ERR_DATA: bad data, exit 65); accepted rows are counted")
    func writeFailure() throws {
        let instance = try openLeaky()
        let writer = try instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .append, runID: "r")
        try writer.write(try batch(rows: 4))
        #expect(writer.rowsWritten == 4)
        let failure = hostError { try writer.write(try batch(rows: 3)) }
        #expect(failure == HostError(.badData, "plugin 'leaky': write to table 't' failed: row 3 is bad "
            + "[ETL_ERR_DATA (10)]", pluginStatus: 10, plugin: "leaky", table: "t"))
        #expect(failure?.exitStatus == .badData)
        #expect(writer.rowsWritten == 4)
    }

    @Test("commit ends the writer; a failed commit keeps it for rollback; use after the end is refused")
    func commitAndAfter() throws {
        let instance = try openLeaky()
        let failing = try instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .append, runID: "r")
        #expect(hostError { try failing.commit(stateKey: "x") } == HostError(
            .operationFailed, "plugin 'leaky': commit of table 't' failed: disk gone [ETL_ERR_IO (4)]", pluginStatus: 4,
            plugin: "leaky", table: "t"))
        #expect(!failing.isFinished)
        failing.rollback()

        let writer = try instance.begin(table: "t", schema: ArrowBatchSchema(Self.fields), mode: .append, runID: "r")
        try writer.commit(stateKey: "k", stateJSON: "1")
        #expect(writer.isFinished)
        #expect(hostError { try writer.commit() }?.message == "plugin 'leaky': commit on table 't' after the writer "
            + "was committed or rolled back; begin a new one")
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        try batch(rows: 1).finish(into: array)
        #expect(hostError { try writer.write(array) }?.kind == .invalidArgument)
        #expect(array.pointee.release == nil)
    }

    @Test("NOT_FOUND answers are nil; a missing optional operation is NOT_IMPLEMENTED")
    func readOperations() throws {
        let instance = try openLeaky()
        #expect(try instance.stateGet(key: "missing") == nil)
        #expect(try instance.stateGet(key: "k") == #"{"n":42}"#)
        #expect(try instance.tableSchema(name: "t") == nil)
        #expect(hostError { _ = try instance.schemaGet(table: "t") } == HostError(
            .operationFailed, "plugin 'leaky' does not implement schema_get", pluginStatus: 8, plugin: "leaky"))
    }

    @Test("warehouse operations on an extractor are refused, naming what it is")
    func wrongKind() throws {
        let csv = (TestSupport.productsDirectory as NSString).appendingPathComponent("libetl_csv.so")
        let instance = try PluginInstance(plugin: try PluginLoader().load(libraryAt: csv),
                                          configJSON: #"{"path": "none.csv"}"#)
        #expect(hostError { _ = try instance.stateGet(key: "k") }?.message
            == "plugin 'csv' (\(csv)) is an extractor, but a warehouse is needed here")
    }
}
