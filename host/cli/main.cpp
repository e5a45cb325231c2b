// manychains: many-chain MCMC on GPUs and CPUs.
#include <iostream>

#include "cli/commands.hpp"
#include "manychains/error.hpp"

int& manychains::cli::exit_status() {
  static int status = 0;
  return status;
}

int main(int argc, char** argv) {
  CLI::App app{"manychains: thousands of Markov chains at once, on NVIDIA GPUs or the CPU"};
  app.require_subcommand(1);
  manychains::cli::register_sample(app);
  manychains::cli::register_diagnose(app);
  manychains::cli::register_em(app);
  manychains::cli::register_em_predict(app);
  manychains::cli::register_converge(app);
  manychains::cli::register_ensemble(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const manychains::error& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "error: out of memory; use fewer chains, draws or a larger --thin\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  }
  return manychains::cli::exit_status();
}
