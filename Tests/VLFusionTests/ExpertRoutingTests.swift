import Testing
import VLCore
import VLFusion
import VLTestSupport

/// CogVLM's expert mask and position ids (exact: integer results), against the rules of issue 15 written out by hand
/// and against the reference's `get_expert_mask` / `build_position_ids` on every fixture case.
@Suite struct ExpertRoutingTests {
    @Test("boi and the patches take the vision expert, eoi the language expert; an image spans three position ids")
    func documentedExample() throws {
        let types = [[0, 1, 1, 1, 1, 0, 0]]
        #expect(ExpertRouting.visionExpertMask(types) == [[false, true, true, true, false, false, false]])
        #expect(ExpertRouting.positionIDs(types) == [[0, 1, 2, 2, 3, 4, 5]])
        let routing = try ExpertRouting(tokenTypeIDs: types)
        #expect(routing.visionRows == [1, 2, 3])
        #expect(routing.languageRows == [0, 4, 5, 6])
        #expect(routing.keyMask == nil)
        #expect(routing.positionCount == 6)
    }

    @Test("Padding: left pads get 0 and bos 1, right pads repeat the last id; the mask ignores padding")
    func padding() throws {
        let left = [[0, 0, 0, 1, 1, 1, 0]], leftKeep = [[0, 0, 1, 1, 1, 1, 1]]
        #expect(ExpertRouting.positionIDs(left, attentionMask: leftKeep) == [[0, 0, 1, 2, 3, 4, 5]])
        let right = [[0, 1, 1, 1, 0, 0, 0]], rightKeep = [[1, 1, 1, 1, 1, 0, 0]]
        #expect(ExpertRouting.positionIDs(right, attentionMask: rightKeep) == [[0, 1, 2, 3, 4, 4, 4]])
        let routing = try ExpertRouting(tokenTypeIDs: right, attentionMask: rightKeep)
        #expect(routing.visionRows == [1, 2])
        #expect(routing.keyMask?.scalars == [1, 1, 1, 1, 1, 0, 0])
        // A mask of ones is no padding at all.
        #expect(try ExpertRouting(tokenTypeIDs: right, attentionMask: [[1, 1, 1, 1, 1, 1, 1]]).keyMask == nil)
    }

    @Test("Edge rows: one position, all vision, two images back to back, an image at the end")
    func edges() {
        #expect(ExpertRouting.positionIDs([[1]]) == [[0]])
        #expect(ExpertRouting.visionExpertMask([[1]]) == [[false]])
        #expect(ExpertRouting.positionIDs([[1, 1, 1, 1]]) == [[0, 1, 1, 2]])
        #expect(ExpertRouting.visionExpertMask([[1, 1, 1, 1]]) == [[true, true, true, false]])
        // A lone vision position is both boi and eoi: language.
        #expect(ExpertRouting.positionIDs([[0, 1, 0]]) == [[0, 1, 2]])
        #expect(ExpertRouting.positionIDs([[0, 1, 1, 1, 0, 1, 1, 1]]) == [[0, 1, 2, 3, 4, 5, 6, 7]])
    }

    @Test("Matches the reference's expert mask and position ids", arguments: FusionFixtures.all)
    func matchesReference(generation: String, name: String) throws {
        let io = try FusionFixtures.file(generation, name)
        let routing = try FusionFixtures.routing(io)
        #expect(routing.positionIDs == (try io["position_ids"]).integerRows)
        let vision = (try io["vision_expert_mask"]).integerRows
        let expected = vision.enumerated().flatMap { b, row in row.indices.filter { row[$0] == 1 }.map { b * row.count + $0 } }
        #expect(routing.visionRows == expected)
        #expect(Set(routing.visionRows).isDisjoint(with: routing.languageRows))
        #expect(routing.visionRows.count + routing.languageRows.count == routing.batch * routing.length)
    }

    @Test("Token types other than 0 and 1, masks other than 0 and 1, and mismatched shapes are ShapeErrors")
    func badInputs() {
        #expect(throws: ShapeError(path: "cogvlm", tensor: "token_type_ids", expected: "values 0 (language) or 1 (vision); found 2 at [0, 1]",
                                   actual: [1, 3])) {
            try ExpertRouting(tokenTypeIDs: [[0, 2, 1]])
        }
        #expect(throws: ShapeError(path: "cogvlm", tensor: "attention_mask", expected: "values 0 (padding) or 1 (kept); found -1 at [0, 0]",
                                   actual: [1, 3])) {
            try ExpertRouting(tokenTypeIDs: [[0, 1, 1]], attentionMask: [[-1, 1, 1]])
        }
        #expect(throws: ShapeError.self) { try ExpertRouting(tokenTypeIDs: [[0, 1], [0]]) }
        #expect(throws: ShapeError.self) { try ExpertRouting(tokenTypeIDs: []) }
        #expect(throws: ShapeError.self) { try ExpertRouting(tokenTypeIDs: [[0, 1]], attentionMask: [[1, 1, 1]]) }
        #expect(throws: ShapeError.self) { try ExpertRouting(tokenTypeIDs: Tensor(shape: [2, 3, 1])) }
        #expect(throws: ShapeError.self) { try ExpertRouting(tokenTypeIDs: Tensor(shape: [1, 3]), attentionMask: Tensor(shape: [1, 4])) }
        #expect(throws: ShapeError.self) { try ExpertRouting(tokenTypeIDs: try Tensor(shape: [1, 2], scalars: [0, 0.5])) }
    }

    /// Exact: each row goes through exactly one expert (here, scalings by 2 and by 3 that tell them apart).
    @Test("route runs each expert once over its own rows and writes both back in place")
    func route() throws {
        let routing = try ExpertRouting(tokenTypeIDs: [[0, 1, 1, 0], [1, 1, 1, 0]])
        let identity = try Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])
        let vision = try Linear(weight: identity * 2, bias: nil, packing: false)
        let language = try Linear(weight: identity * 3, bias: nil, packing: false)
        let x = try Tensor(shape: [2, 4, 2], scalars: (1...16).map(Float.init))
        let out = try routing.route(x, vision: vision, language: language)
        let factors: [Float] = [3, 2, 3, 3, 2, 2, 3, 3]  // vision: [0, 1], [1, 0], [1, 1]
        #expect(out.scalars == x.scalars.enumerated().map { $1 * factors[$0 / 2] })
        #expect(throws: ShapeError.self) { try routing.route(Tensor(shape: [2, 3, 2]), vision: vision, language: language) }
        // All language: the language expert alone, on the tensor as it is.
        let text = try ExpertRouting(tokenTypeIDs: [[0, 0, 0]])
        #expect(try text.route(Tensor(shape: [1, 3, 2], repeating: 1), vision: vision, language: language).scalars == [3, 3, 3, 3, 3, 3])
    }
}
