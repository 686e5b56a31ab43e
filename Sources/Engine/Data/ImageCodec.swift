import CImage
import Foundation

/// PNG and JPEG through the C shim (libpng, libjpeg-turbo). The format is told by the first
/// bytes; every library error comes back as a message, never as a crash.
public enum ImageCodec {
    public struct Header: Equatable, Sendable {
        public let width: Int
        public let height: Int
        /// 1 for grayscale, 3 for colour (alpha is dropped).
        public let channels: Int
        public let format: String
    }

    /// A decoded image: 8-bit pixels, row-major, channels interleaved.
    public struct Image: Sendable {
        public let width: Int
        public let height: Int
        public let channels: Int
        public var pixels: [UInt8]

        public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
            precondition(pixels.count == width * height * channels, "pixels must hold width x height x channels bytes")
            self.width = width
            self.height = height
            self.channels = channels
            self.pixels = pixels
        }
    }

    /// Why a codec call failed, in the library's own words.
    public struct Failure: Error, CustomStringConvertible {
        public let code: Int32
        public let message: String
        public var description: String { message }
    }

    private static let messageSize = 256

    private static func call(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
        var message = [CChar](repeating: 0, count: messageSize)
        let code = message.withUnsafeMutableBufferPointer { body($0.baseAddress!, messageSize) }
        guard code == 0 else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Failure(code: code, message: text.isEmpty ? "error \(code)" : text)
        }
    }

    /// The size and mode, from the header alone.
    public static func probe(_ bytes: [UInt8]) throws -> Header {
        var info = prn_image_info()
        try bytes.withUnsafeBufferPointer { src in
            try call { prn_image_probe(src.baseAddress, src.count, &info, $0, $1) }
        }
        return Header(width: Int(info.width), height: Int(info.height), channels: Int(info.channels),
                      format: info.format.map { String(cString: $0) } ?? "?")
    }

    /// Decodes to `channels` (1 or 3), converting colour to gray or gray to colour as needed.
    /// `maximumPixels` bounds the allocation before any pixel is decoded.
    public static func decode(_ bytes: [UInt8], channels: Int, maximumPixels: Int) throws -> (Image, Header) {
        precondition(channels == 1 || channels == 3, "channels must be 1 or 3")
        let header = try probe(bytes)
        guard header.width * header.height <= maximumPixels else {
            throw Failure(code: -1, message: "\(header.width)x\(header.height) pixels is more than \(maximumPixels)")
        }
        var pixels = [UInt8](repeating: 0, count: header.width * header.height * channels)
        var info = prn_image_info()
        try bytes.withUnsafeBufferPointer { src in
            try pixels.withUnsafeMutableBufferPointer { dst in
                try call { prn_image_decode(src.baseAddress, src.count, Int32(channels), dst.baseAddress, dst.count, &info, $0, $1) }
            }
        }
        return (Image(width: header.width, height: header.height, channels: channels, pixels: pixels), header)
    }

    public static func encodePNG(_ image: Image) throws -> [UInt8] {
        try encode { out, size, message, messageSize in
            image.pixels.withUnsafeBufferPointer {
                prn_png_encode($0.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels), out, size, message, messageSize)
            }
        }
    }

    public static func encodeJPEG(_ image: Image, quality: Int) throws -> [UInt8] {
        try encode { out, size, message, messageSize in
            image.pixels.withUnsafeBufferPointer {
                prn_jpeg_encode($0.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels), Int32(quality),
                                out, size, message, messageSize)
            }
        }
    }

    private static func encode(_ body: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>,
                                        UnsafeMutablePointer<CChar>, Int) -> Int32) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        try call { body(&out, &size, $0, $1) }
        defer { prn_image_free(out) }
        guard let out else { return [] }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }
}
