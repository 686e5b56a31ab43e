// ONNX export and import (generated protobuf types plus converters).
