/// The HPACK/QPACK Huffman code (RFC 7541 §5.2, Appendix B).
public enum Huffman {
    /// A binary decoding tree: node `i` has children `tree[i].0` (bit 0) and `tree[i].1` (bit 1);
    /// a child below 0 is the leaf of symbol `-(child + 1)`; 0 means no child yet.
    private static let tree: [(Int32, Int32)] = {
        var nodes: [(Int32, Int32)] = [(0, 0)]
        for symbol in 0..<257 {
            let code = HuffmanTable.codes[symbol], length = Int(HuffmanTable.lengths[symbol])
            var node = 0
            for bit in stride(from: length - 1, through: 0, by: -1) {
                let one = (code >> UInt32(bit)) & 1 == 1
                let child = one ? nodes[node].1 : nodes[node].0
                if bit == 0 {
                    let leaf = Int32(-(symbol + 1))
                    if one { nodes[node].1 = leaf } else { nodes[node].0 = leaf }
                } else if child > 0 {
                    node = Int(child)
                } else {
                    nodes.append((0, 0))
                    let index = Int32(nodes.count - 1)
                    if one { nodes[node].1 = index } else { nodes[node].0 = index }
                    node = Int(index)
                }
            }
        }
        return nodes
    }()

    /// Decodes a Huffman-coded string. Errors: the EOS symbol inside the data, padding longer than
    /// 7 bits, or padding that is not the most significant bits of EOS (all ones) (RFC 7541 §5.2).
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(HTTP3Error) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 8 / 5)
        var node = 0
        var bitsSinceSymbol = 0
        var allOnes = true
        for byte in bytes {
            for shift in stride(from: 7, through: 0, by: -1) {
                let one = (byte >> UInt8(shift)) & 1 == 1
                let child = one ? tree[node].1 : tree[node].0
                bitsSinceSymbol += 1
                allOnes = allOnes && one
                if child < 0 {
                    let symbol = Int(-(child + 1))
                    if symbol == 256 { throw HTTP3Error(.qpackDecompressionFailed, "Huffman EOS in a string") }
                    out.append(UInt8(symbol))
                    node = 0
                    bitsSinceSymbol = 0
                    allOnes = true
                } else if child == 0 {
                    throw HTTP3Error(.qpackDecompressionFailed, "invalid Huffman code")
                } else {
                    node = Int(child)
                }
            }
        }
        if bitsSinceSymbol > 7 || !allOnes { throw HTTP3Error(.qpackDecompressionFailed, "bad Huffman padding") }
        return out
    }

    /// Huffman-codes `bytes` (padding with the most significant bits of EOS).
    public static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var acc: UInt64 = 0
        var bits = 0
        for b in bytes {
            acc = (acc << UInt64(HuffmanTable.lengths[Int(b)])) | UInt64(HuffmanTable.codes[Int(b)])
            bits += Int(HuffmanTable.lengths[Int(b)])
            while bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt64(bits)))
            }
            acc &= (1 << UInt64(bits)) - 1
        }
        if bits > 0 { out.append(UInt8(truncatingIfNeeded: (acc << UInt64(8 - bits)) | ((1 << UInt64(8 - bits)) - 1))) }
        return out
    }
}
