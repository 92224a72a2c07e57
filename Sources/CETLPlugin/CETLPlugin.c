/* CETLPlugin is header-only: etl_plugin.h (the contract) and etl_batch.h (the C batch helper).
 * SwiftPM needs one source file per C target; this is it. */
