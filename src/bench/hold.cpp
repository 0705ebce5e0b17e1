// Reference point for the hold benchmark: the same model on std::priority_queue.
// Built and run by `npm run bench` when g++ is available: hold EVENTS [P,P,...] (default
// 100,10000). Prints one JSON line per P.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <queue>
#include <random>
#include <sstream>
#include <string>
#include <vector>

struct Ev {
  long long t;
  long long seq;
};
struct Later {
  bool operator()(const Ev& a, const Ev& b) const {
    return a.t > b.t || (a.t == b.t && a.seq > b.seq);
  }
};

int main(int argc, char** argv) {
  long events = argc > 1 ? std::atol(argv[1]) : 20000000;
  std::vector<int> sizes;
  std::stringstream list(argc > 2 ? argv[2] : "100,10000");
  for (std::string p; std::getline(list, p, ',');) sizes.push_back(std::stoi(p));
  for (int pending : sizes) {
    std::priority_queue<Ev, std::vector<Ev>, Later> q;
    std::mt19937_64 gen(1);
    std::exponential_distribution<double> exp(1.0 / 1000.0);
    long long seq = 0;
    for (int i = 0; i < pending; i++) q.push({std::llround(exp(gen)), seq++});
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < events; i++) {
      Ev e = q.top();
      q.pop();
      q.push({e.t + std::llround(exp(gen)), seq++});
    }
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("{\"bench\":\"hold-cpp\",\"pending\":%d,\"events_per_s\":%.0f}\n", pending,
                events / dt);
  }
  return 0;
}
