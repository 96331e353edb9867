// Request and response of a callback-API unary method on one protobuf Arena: a large
// response (hundreds of nested messages, e.g. Retrieve's candidates with their sources)
// is then built with a few block allocations instead of one malloc per message, and freed
// at once when gRPC releases it after sending.
//
//   ArenaMessageAllocator<v1::RetrieveRequest, v1::RetrieveResponse> allocator_;  // a member
//   ... in the service's constructor: SetMessageAllocatorFor_Retrieve(&allocator_);
//
// The handler must build its response in place (copying a heap message into an arena
// message is a deep copy).
#pragma once

#include <google/protobuf/arena.h>
#include <grpcpp/support/message_allocator.h>

#include <cstddef>

namespace chatrec::server {

template <typename Request, typename Response>
class ArenaMessageAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  // The arena's first block; it grows by doubling up to max_block_bytes.
  explicit ArenaMessageAllocator(size_t first_block_bytes = 16 << 10, size_t max_block_bytes = 256 << 10)
      : first_block_bytes_(first_block_bytes), max_block_bytes_(max_block_bytes) {}

  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    return new Holder(first_block_bytes_, max_block_bytes_);
  }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder(size_t first_block_bytes, size_t max_block_bytes) : arena_(Options(first_block_bytes, max_block_bytes)) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions Options(size_t first_block_bytes, size_t max_block_bytes) {
      google::protobuf::ArenaOptions o;
      o.start_block_size = first_block_bytes;
      o.max_block_size = max_block_bytes;
      return o;
    }
    google::protobuf::Arena arena_;
  };

  const size_t first_block_bytes_, max_block_bytes_;
};

}  // namespace chatrec::server
