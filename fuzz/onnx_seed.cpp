// Writes a seed for the ONNX target: onnx_seed MODEL.txt OUT.onnx reads a model in ONNX's text
// syntax and writes it serialized. Every value_info no node produces becomes an initializer of
// its shape without data (the importer reads weight shapes only), so seeds stay small.
#include <onnx/defs/parser.h>

#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: onnx_seed MODEL.txt OUT.onnx\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  std::stringstream text;
  text << in.rdbuf();
  onnx::ModelProto model;
  const onnx::Status status = onnx::OnnxParser::Parse(model, text.str().c_str());
  if (!status.IsOK()) {
    std::cerr << argv[1] << ": " << status.ErrorMessage() << '\n';
    return 1;
  }
  onnx::GraphProto& graph = *model.mutable_graph();
  std::set<std::string> produced;
  for (const onnx::NodeProto& n : graph.node()) produced.insert(n.output().begin(), n.output().end());
  for (const onnx::ValueInfoProto& v : graph.value_info()) {
    if (produced.count(v.name())) continue;
    onnx::TensorProto& t = *graph.add_initializer();
    t.set_name(v.name());
    t.set_data_type(v.type().tensor_type().elem_type());
    for (const onnx::TensorShapeProto_Dimension& d : v.type().tensor_type().shape().dim()) t.add_dims(d.dim_value());
  }
  std::ofstream out(argv[2], std::ios::binary);
  return model.SerializeToOstream(&out) && out.flush() ? 0 : 1;
}
