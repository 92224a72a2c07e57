import ETLTestSupport
import Foundation
import Testing

/// docs/PIPELINES.md, "In Swift": every ```swift block is part of
/// Examples/RatesWorkflow, which SlowTierExampleWorkflowTests builds and
/// runs, so the documented code compiles and does what the docs say.
@Suite struct SwiftDocBlocksTests {
    @Test func everySwiftBlockOfThePipelinesDocIsInTheExampleProgram() throws {
        let blocks = PipelinesDocTests.blocks("swift")
        #expect(blocks.count == 3)
        let program = try String(contentsOfFile: TestSupport.repositoryRoot + "/Examples/RatesWorkflow/Sources/RatesWorkflow/main.swift",
                                 encoding: .utf8)
        for block in blocks {
            #expect(program.contains(block), "not in Examples/RatesWorkflow/Sources/RatesWorkflow/main.swift:\n\(block)")
        }
    }
}
