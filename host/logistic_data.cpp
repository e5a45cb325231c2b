#include "logistic_data.hpp"

#include "manychains/error.hpp"

namespace manychains {

logistic_target make_logistic_target(const numeric_table& table, double prior_scale, const std::string& intercept,
                                     const std::string& spec, const std::string& source) {
  if (table.cols < 2) throw input_error("target 'logistic': the data need at least one predictor and the response");
  logistic_target t;
  t.prior_scale = prior_scale;
  if (!(t.prior_scale > 0)) throw input_error("target 'logistic': prior_scale must be positive");
  const std::size_t predictors = table.cols - 1;
  bool has_ones_column = false;
  for (std::size_t j = 0; j < predictors && !has_ones_column; ++j) {
    bool ones = true;
    for (std::size_t i = 0; i < table.rows && ones; ++i) ones = table.values[i * table.cols + j] == 1.0;
    has_ones_column = ones;
  }
  if (intercept != "auto" && intercept != "1" && intercept != "0")
    throw input_error("target 'logistic': intercept must be auto, 1 or 0");
  const bool add_intercept = intercept == "1" || (intercept == "auto" && !has_ones_column);
  const std::size_t dim = predictors + (add_intercept ? 1 : 0);
  t.rows = table.rows;
  t.info.spec = spec;
  t.info.dim = dim;
  t.info.init_center.assign(dim, 0.0);
  t.info.init_radius.assign(dim, 2.0);
  if (add_intercept) t.info.parameter_names.push_back("intercept");
  for (std::size_t j = 0; j < predictors; ++j) t.info.parameter_names.push_back(table.column_names[j]);
  for (std::size_t i = 0; i < table.rows; ++i) {
    if (add_intercept) t.design.push_back(1.0);
    for (std::size_t j = 0; j < predictors; ++j) t.design.push_back(table.values[i * table.cols + j]);
    const double y = table.values[i * table.cols + predictors];
    if (y != 0.0 && y != 1.0)
      throw input_error(source + ": row " + std::to_string(i + 1) +
                        ": the response (last column) must be 0 or 1, found " + std::to_string(y));
    t.response.push_back(y);
  }
  return t;
}

}  // namespace manychains
