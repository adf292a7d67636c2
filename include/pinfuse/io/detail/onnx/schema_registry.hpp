#pragma once
// ONNX import: the operator schemas ONNX's shape inference runs with. They are ONNX's own,
// except that Shape's data propagation skips a Shape whose input has no type: ONNX 1.12's
// Shape-15 reads that type without checking it (a null dereference, found by fuzzing), and an
// input is untyped where it is the output of an op ONNX has no schema for, of a node whose
// inference failed, or a graph input without a type. The importer reports those nodes itself.
#include <onnx/defs/schema.h>
#include <onnx/defs/shape_inference.h>

#include <map>
#include <string>

namespace pinfuse::onnx_import_detail {

class NullSafeSchemaRegistry final : public onnx::ISchemaRegistry {
 public:
  const onnx::OpSchema* GetSchema(const std::string& key, const int maxInclusiveVersion,
                                  const std::string& domain) const override {
    const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Instance()->GetSchema(key, maxInclusiveVersion, domain);
    if (!schema || key != "Shape" || !schema->has_data_propagation_function()) return schema;
    const auto kept = guarded_.find(schema);
    if (kept != guarded_.end()) return &kept->second;
    onnx::OpSchema guarded = *schema;
    guarded.PartialDataPropagationFunction(
        [propagate = schema->GetDataPropagationFunction()](onnx::DataPropagationContext& ctx) {
          if (ctx.getInputType(0) != nullptr) propagate(ctx);
        });
    return &guarded_.emplace(schema, std::move(guarded)).first->second;
  }

 private:
  mutable std::map<const onnx::OpSchema*, onnx::OpSchema> guarded_;  ///< the Shape schemas, guarded, by ONNX's
};

}  // namespace pinfuse::onnx_import_detail
