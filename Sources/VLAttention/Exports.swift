public import VLCore
