import Foundation

/// Why an image-folder dataset could not be read. Every case names the image or folder at fault
/// and its message says what to do about it.
public enum ImageDataError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The file is not a PNG or JPEG, or its decoder refused it (truncated, corrupt, CMYK ...).
    case undecodable(file: String, reason: String)
    /// The image's pixel count is beyond what one image may hold.
    case imageTooLarge(file: String, width: Int, height: Int)
    /// Without `size=`, every image must have the first training image's size.
    case wrongSize(file: String, width: Int, height: Int, expectedWidth: Int, expectedHeight: Int, reference: String)
    /// Without `channels=`, every image must be grayscale, or every image colour, like the first.
    case mixedMode(file: String, channels: Int, reference: String, referenceChannels: Int)
    /// Holding every decoded image would pass the memory budget.
    case tooLarge(folder: String, images: Int, shape: [Int], bytes: Double, limit: String)
    /// The folder is not laid out as one subfolder per class.
    case badLayout(folder: String, reason: String)
    /// A class folder of another split that the training split does not have.
    case unknownClass(folder: String, trainClasses: [String])
    /// An option that does not fit this folder.
    case badOption(folder: String, reason: String)

    static func mode(_ channels: Int) -> String { channels == 1 ? "grayscale" : "colour" }

    public var description: String {
        switch self {
        case .undecodable(let file, let reason):
            return "\(file): cannot be decoded (\(reason)); replace or remove this image"
        case .imageTooLarge(let file, let width, let height):
            return "\(file): \(width)x\(height) pixels is larger than prn decodes (\(ImageFolderReader.maximumPixels) pixels); shrink the image"
        case .wrongSize(let file, let width, let height, let expectedWidth, let expectedHeight, let reference):
            return "\(file): \(width)x\(height) pixels, but \(reference) is \(expectedWidth)x\(expectedHeight); give size=N to resize and centre-crop every image to NxN"
        case .mixedMode(let file, let channels, let reference, let referenceChannels):
            return "\(file): a \(Self.mode(channels)) image, but \(reference) is \(Self.mode(referenceChannels)); give channels=1 or channels=3 to convert every image"
        case .tooLarge(let folder, let images, let shape, let bytes, let limit):
            return String(format: "%@: %d images of %@ need %.2f GB as float32, more than %@; give a smaller size= or subset=, or raise PRN_MEMORY_GB",
                          folder, images, shape.map(String.init).joined(separator: "x"), bytes / 1e9, limit)
        case .badLayout(let folder, let reason):
            return "\(folder): \(reason); an image dataset holds one subfolder per class (train/CLASS/*.png and test/CLASS/*.png, or CLASS/*.png with split=)"
        case .unknownClass(let folder, let trainClasses):
            return "\(folder): this class is not among the training classes (\(trainClasses.joined(separator: ", "))); every class of test/ and val/ needs training images"
        case .badOption(let folder, let reason):
            return "\(folder): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
