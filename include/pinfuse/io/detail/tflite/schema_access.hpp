#pragma once
// TFLite import: schema access. Checks a TFLite flatbuffer with flatbuffers::Verifier
// before anything is read, then gives range-checked access to subgraph 0: its tensors
// (dims, element size, constant data), its operators (op names, inputs, outputs) and
// the buffers. Every index the file holds (tensor, buffer, opcode) is checked here;
// a bad one is an input_error, never a crash. The tables come from the schema subset
// io/detail/tflite/schema.fbs, which flatc turns into schema_generated.h at build time.
#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "pinfuse/core/error.hpp"
#include "pinfuse/io/detail/import/text.hpp"
#include "pinfuse/io/detail/tflite/schema_generated.h"

namespace pinfuse::tflite_import_detail {

namespace fb = pinfuse::tflite_schema;
using import_detail::cat;
using import_detail::Dims;
using import_detail::dims_text;

/// Bytes per element of a tensor type; 0 for types that are no feature map (strings, resources).
inline int element_bytes(fb::TensorType t) {
  switch (t) {
    case fb::TensorType::INT8: case fb::TensorType::UINT8: case fb::TensorType::BOOL: return 1;
    case fb::TensorType::FLOAT16: case fb::TensorType::INT16: case fb::TensorType::UINT16: return 2;
    case fb::TensorType::FLOAT32: case fb::TensorType::INT32: case fb::TensorType::UINT32: return 4;
    case fb::TensorType::FLOAT64: case fb::TensorType::INT64: case fb::TensorType::UINT64:
    case fb::TensorType::COMPLEX64: return 8;
    default: return 0;
  }
}

/// A verified TFLite model's subgraph 0. The buffer must outlive it.
class ModelAccess {
 public:
  /// Verifies the buffer (flatbuffers::Verifier over every table the importer reads) and
  /// the indices that the verifier cannot check.
  ModelAccess(const std::uint8_t* data, std::size_t size) {
    if (size < 8 || !fb::ModelBufferHasIdentifier(data))
      throw input_error("", "is not a TFLite model: no \"TFL3\" file identifier (a truncated file, or another format?)");
    flatbuffers::Verifier verifier(data, size);
    if (!fb::VerifyModelBuffer(verifier))
      throw input_error("", "is not a valid TFLite flatbuffer: its tables fail flatbuffers' verifier (a truncated or "
                            "corrupt file?)");
    model_ = fb::GetModel(data);
    if (!model_->subgraphs() || model_->subgraphs()->size() == 0)
      throw input_error("", "the model holds no subgraph");
    graph_ = model_->subgraphs()->Get(0);
    if (!graph_->tensors() || !graph_->operators() || graph_->operators()->size() == 0)
      throw input_error("", "subgraph 0 holds no tensors or no operators");
    for (std::size_t t = 0; t < tensor_count(); ++t) {
      const fb::Tensor& x = *graph_->tensors()->Get(flatbuffers::uoffset_t(t));
      if (x.buffer() != 0 && (!model_->buffers() || x.buffer() >= model_->buffers()->size()))
        throw input_error(cat("tensor ", std::int64_t(t)),
                          cat("refers to buffer ", std::int64_t(x.buffer()), ", but the model has ",
                              std::int64_t(model_->buffers() ? model_->buffers()->size() : 0), " buffers"));
    }
    for (std::size_t i = 0; i < op_count(); ++i) {
      const fb::Operator& o = op(i);
      const auto codes = model_->operator_codes();
      if (!codes || o.opcode_index() >= codes->size())
        throw input_error(cat("operator ", std::int64_t(i)),
                          cat("has opcode index ", std::int64_t(o.opcode_index()), ", but the model has ",
                              std::int64_t(codes ? codes->size() : 0), " operator codes"));
      check_indices(o.inputs(), cat("operator ", std::int64_t(i), " input"), true);
      check_indices(o.outputs(), cat("operator ", std::int64_t(i), " output"), false);
    }
    check_indices(graph_->inputs(), "subgraph input", false);
    check_indices(graph_->outputs(), "subgraph output", false);
  }

  std::size_t tensor_count() const { return graph_->tensors()->size(); }
  std::size_t op_count() const { return graph_->operators()->size(); }
  const fb::Operator& op(std::size_t i) const { return *graph_->operators()->Get(flatbuffers::uoffset_t(i)); }
  const fb::Tensor& tensor(int t) const { return *graph_->tensors()->Get(flatbuffers::uoffset_t(t)); }

  std::vector<int> graph_inputs() const { return ints(graph_->inputs()); }
  std::vector<int> graph_outputs() const { return ints(graph_->outputs()); }
  static std::vector<int> ints(const flatbuffers::Vector<std::int32_t>* v) {
    return v ? std::vector<int>(v->begin(), v->end()) : std::vector<int>{};
  }

  /// The subgraph's name, or the model's description; empty if neither is valid UTF-8 text.
  std::string name() const {
    const std::string name = graph_->name() && graph_->name()->size() > 0 ? graph_->name()->str()
                             : model_->description()                      ? model_->description()->str()
                                                                          : std::string();
    return import_detail::valid_utf8(name) ? name : std::string();
  }

  /// The op's builtin code: the larger of the two fields (files before code 127 fill only the old one).
  fb::BuiltinOperator builtin(const fb::Operator& o) const {
    const fb::OperatorCode& c = *model_->operator_codes()->Get(o.opcode_index());
    return fb::BuiltinOperator(std::max(std::int32_t(c.deprecated_builtin_code()), std::int32_t(c.builtin_code())));
  }
  /// "CONV_2D", or a custom op's name with " (custom)".
  std::string op_name(const fb::Operator& o) const {
    const fb::BuiltinOperator b = builtin(o);
    if (b == fb::BuiltinOperator::CUSTOM) {
      const auto* code = model_->operator_codes()->Get(o.opcode_index())->custom_code();
      return (code ? code->str() : std::string("?")) + " (custom)";
    }
    const char* name = fb::EnumNameBuiltinOperator(b);
    return name && *name ? name : cat("BUILTIN_", std::int64_t(b));
  }

  /// The tensor's dims as stored: every tensor is sized for the stored shapes of the graph
  /// inputs (a dynamic dimension holds a placeholder, usually 1).
  Dims dims(int t) const {
    const fb::Tensor& x = tensor(t);
    return x.shape() ? Dims(x.shape()->begin(), x.shape()->end()) : Dims{};
  }
  /// The tensor's dims with its dynamic dimensions (-1 in shape_signature) as -1.
  Dims dynamic_dims(int t) const {
    const fb::Tensor& x = tensor(t);
    Dims d = dims(t);
    if (x.shape_signature() && x.shape_signature()->size() == d.size())
      for (std::size_t i = 0; i < d.size(); ++i)
        if (x.shape_signature()->Get(flatbuffers::uoffset_t(i)) < 0) d[i] = -1;
    return d;
  }

  std::string tensor_name(int t) const {
    const auto* n = tensor(t).name();
    return n && n->size() > 0 ? n->str() : cat("tensor_", std::int64_t(t));
  }

  /// Whether the tensor holds data in the model (a weight or another constant).
  bool has_data(int t) const {
    const fb::Buffer* b = buffer(t);
    return b && ((b->data() && b->data()->size() > 0) || b->offset() > 1);
  }

  /// The values of an INT32 or INT64 constant held in the flatbuffer, if there are as many as its dims say.
  std::optional<Dims> int_values(int t) const {
    const fb::Buffer* b = buffer(t);
    const fb::TensorType type = tensor(t).type();
    if (!b || !b->data() || (type != fb::TensorType::INT32 && type != fb::TensorType::INT64)) return std::nullopt;
    const std::size_t bytes = std::size_t(element_bytes(type)), available = b->data()->size() / bytes;
    std::size_t count = 1;
    for (const std::int64_t d : dims(t)) {
      if (d < 0 || std::size_t(d) > available) return std::nullopt;  // no product can overflow
      count *= std::size_t(d);
      if (count > available) return std::nullopt;
    }
    if (b->data()->size() != count * bytes) return std::nullopt;
    Dims v;
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint8_t* p = b->data()->data() + i * bytes;
      if (type == fb::TensorType::INT32) {
        std::int32_t x;
        std::memcpy(&x, p, sizeof x);  // flatbuffer data is little-endian, as the hosts we build on
        v.push_back(x);
      } else {
        std::int64_t x;
        std::memcpy(&x, p, sizeof x);
        v.push_back(x);
      }
    }
    return v;
  }

  /// The value of a one-element FLOAT32 constant held in the flatbuffer.
  std::optional<float> float_scalar(int t) const {
    const fb::Buffer* b = buffer(t);
    if (!b || !b->data() || tensor(t).type() != fb::TensorType::FLOAT32 || b->data()->size() != sizeof(float))
      return std::nullopt;
    float x;
    std::memcpy(&x, b->data()->data(), sizeof x);
    return x;
  }

 private:
  const fb::Buffer* buffer(int t) const {
    const std::uint32_t i = tensor(t).buffer();
    return i == 0 ? nullptr : model_->buffers()->Get(i);
  }

  /// Tensor indices must name a tensor of the subgraph; -1 marks an optional input left out.
  void check_indices(const flatbuffers::Vector<std::int32_t>* v, const std::string& what, bool optional) const {
    if (!v) return;
    for (std::size_t k = 0; k < v->size(); ++k) {
      const std::int32_t t = v->Get(flatbuffers::uoffset_t(k));
      if ((t == -1 && optional) || (t >= 0 && std::size_t(t) < tensor_count())) continue;
      throw input_error(cat(what, " ", std::int64_t(k)), cat("is tensor ", std::int64_t(t), ", but subgraph 0 has ",
                                                                std::int64_t(tensor_count()), " tensors"));
    }
  }

  const fb::Model* model_ = nullptr;
  const fb::SubGraph* graph_ = nullptr;
};

}  // namespace pinfuse::tflite_import_detail
