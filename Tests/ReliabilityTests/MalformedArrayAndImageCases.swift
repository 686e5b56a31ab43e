import Engine
import Foundation

/// NumPy arrays and image folders that must each end in an error naming the file, through `prn run`.
extension MalformedInputCases {
    static let arraysScript = "seed 1\ndata \"arrays\"\n"
    static let imagesScript = "seed 1\ndata \"images\"\n"

    /// A version-1 `.npy` file of `descr` and `shape` followed by `payload`.
    static func npy(_ descr: String, _ shape: [Int], _ payload: [UInt8]) -> [UInt8] {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
        while (10 + dict.utf8.count + 1) % 64 != 0 { dict += " " }
        dict += "\n"
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(dict.utf8.count & 0xFF), UInt8(dict.utf8.count >> 8)] + Array(dict.utf8) + payload
    }

    /// `arrays/` with 8 training and 4 test images of 4x4, letting `replace` swap any array.
    static func arrays(in folder: TemporaryFolder, replace: [String: [UInt8]] = [:]) throws {
        let good: [String: [UInt8]] = [
            "x_train": npy("|u1", [8, 4, 4], (0..<128).map { UInt8($0) }), "y_train": npy("|u1", [8], (0..<8).map { UInt8($0 % 2) }),
            "x_test": npy("|u1", [4, 4, 4], (0..<64).map { UInt8($0) }), "y_test": npy("|u1", [4], [0, 1, 0, 1]),
        ]
        for (name, bytes) in good { try folder.write("arrays/\(name).npy", replace[name] ?? bytes) }
    }

    /// `images/train/{a,b}` and `images/test/{a,b}`, two 6x6 grayscale PNGs in each.
    static func images(in folder: TemporaryFolder) throws {
        for split in ["train", "test"] { for c in ["a", "b"] { for i in 0..<2 {
            let image = ImageCodec.Image(width: 6, height: 6, channels: 1, pixels: (0..<36).map { UInt8($0 * 7 + i) })
            try folder.write("images/\(split)/\(c)/\(i).png", try ImageCodec.encodePNG(image))
        } } }
    }

    static var arraysAndImages: [MalformedCase] { [
        MalformedCase("npy truncated", status: dataError, mentions: ["x_train.npy", "truncated", "main.prn:2"], script: arraysScript) {
            try arrays(in: $0, replace: ["x_train": Array(npy("|u1", [8, 4, 4], [UInt8](repeating: 1, count: 128)).dropLast(9))])
        },
        MalformedCase("npy not numpy", status: dataError, mentions: ["y_test.npy", "not a NumPy"], script: arraysScript) {
            try arrays(in: $0, replace: ["y_test": Array("PK\u{3}\u{4} a zip, not an array".utf8)])
        },
        MalformedCase("npy big-endian", status: dataError, mentions: ["x_test.npy", "'>f4'", "astype"], script: arraysScript) {
            try arrays(in: $0, replace: ["x_test": npy(">f4", [4, 16], [UInt8](repeating: 0, count: 256))])
        },
        MalformedCase("npy float labels", status: dataError, mentions: ["y_train.npy", "'<f8'", "labels"], script: arraysScript) {
            try arrays(in: $0, replace: ["y_train": npy("<f8", [8], [UInt8](repeating: 0, count: 64))])
        },
        MalformedCase("npy count mismatch", status: dataError, mentions: ["x_train.npy holds 8", "y_train.npy holds 7"], script: arraysScript) {
            try arrays(in: $0, replace: ["y_train": npy("|u1", [7], [UInt8](repeating: 0, count: 7))])
        },
        MalformedCase("npy huge shape", status: dataError, mentions: ["x_train.npy", "truncated"], script: arraysScript) {
            try arrays(in: $0, replace: ["x_train": npy("<f8", [1 << 40, 1 << 40, 1 << 40], [1, 2, 3])])
        },
        MalformedCase("npz truncated", status: dataError, mentions: ["arrays.npz", "truncated"], script: "data \"arrays.npz\"\n") {
            try $0.write("arrays.npz", Array("PK\u{3}\u{4}".utf8) + [UInt8](repeating: 0, count: 100))
        },
        MalformedCase("image truncated", status: dataError, mentions: ["test/b/1.png", "cannot be decoded", "main.prn:2"], script: imagesScript) { folder in
            try images(in: folder)
            let png = try Data(contentsOf: folder.path("images/test/b/1.png"))
            try folder.write("images/test/b/1.png", Array(png.prefix(png.count / 2)))
        },
        MalformedCase("image not an image", status: dataError, mentions: ["train/a/0.png", "neither a PNG nor a JPEG"], script: imagesScript) { folder in
            try images(in: folder)
            try folder.write("images/train/a/0.png", Array("<html>not found</html>".utf8))
        },
        MalformedCase("image other mode", status: dataError, mentions: ["train/b/1.png", "colour", "channels="], script: imagesScript) { folder in
            try images(in: folder)
            let colour = ImageCodec.Image(width: 6, height: 6, channels: 3, pixels: [UInt8](repeating: 9, count: 108))
            try folder.write("images/train/b/1.png", try ImageCodec.encodePNG(colour))
        },
        MalformedCase("image other size", status: dataError, mentions: ["test/a/0.png", "7x6", "size="], script: imagesScript) { folder in
            try images(in: folder)
            let wide = ImageCodec.Image(width: 7, height: 6, channels: 1, pixels: [UInt8](repeating: 9, count: 42))
            try folder.write("images/test/a/0.png", try ImageCodec.encodePNG(wide))
        },
        MalformedCase("images beyond the memory budget", status: runtimeError, mentions: ["images", "GB", "PRN_MEMORY_GB"],
                      environment: ["PRN_MEMORY_GB": "0.01"], script: "seed 1\ndata \"images\" size=4096\n") { try images(in: $0) },
        MalformedCase("image option on other data", status: dataError, mentions: ["channels=", "image folders only"],
                      script: "seed 1\ndata \"arrays\" channels=3\n") { try arrays(in: $0) },
    ] }
}
