#include "engine/resolver.hpp"

namespace streamd {

Resolver::Resolver() : thread_([this](std::stop_token stop) { run(stop); }) {}

Resolver::~Resolver() {
    thread_.request_stop();
    thread_.join();
}

void Resolver::resolve(Destination destination, Done done) {
    {
        std::lock_guard lock(mutex_);
        jobs_.emplace_back(std::move(destination), std::move(done));
    }
    wake_.notify_one();
}

void Resolver::run(std::stop_token stop) {
    for (;;) {
        std::pair<Destination, Done> job;
        {
            std::unique_lock lock(mutex_);
            if (!wake_.wait(lock, stop, [&] { return !jobs_.empty(); })) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        try {
            job.second(streamd::resolve(job.first), {});
        } catch (const UnknownHost& e) {
            job.second({}, e.what());
        }
    }
}

} // namespace streamd
